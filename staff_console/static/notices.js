// Rumbo console: after a change, the page comes back at the form that was used
// (/cases/7#step-12), while its confirmation is written at the top of the page,
// out of view. Move the confirmation to where the eye is. Without this file the
// confirmation stays at the top.
(function () {
  "use strict";
  var notices = document.querySelector(".notices");
  var id = decodeURIComponent(window.location.hash.slice(1));
  if (!notices || !id || id === "main" || id === "top") { return; }
  var target = document.getElementById(id);
  if (!target || target.contains(notices)) { return; }
  var heading = target.querySelector("h1, h2, h3");
  if (heading && heading.parentNode === target) {
    target.insertBefore(notices, heading.nextSibling);
  } else {
    target.insertBefore(notices, target.firstChild);
  }
  target.scrollIntoView();  // below the sticky contents bar: see scroll-margin-top
})();
