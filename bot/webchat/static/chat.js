// Rumbo web chat: small comforts on top of plain forms (the page works without this).
// Scrolls to the newest message, keeps a form from being sent twice, and reloads the
// page when a new message waits (a reminder, a staff reply) and nothing is being typed.
(function () {
  "use strict";

  // A reload (a new message arrived) must show the newest message, not the place the
  // browser remembers: take scrolling over, and scroll again once everything is laid out.
  if ("scrollRestoration" in window.history) {
    window.history.scrollRestoration = "manual";
  }
  function showNewest() {
    var newest = document.getElementById("ultimo");
    if (newest) {
      newest.scrollIntoView({ block: "end" });
    }
  }
  showNewest();
  window.addEventListener("load", showNewest);

  var input = document.getElementById("text");
  if (input && !("ontouchstart" in window)) {
    input.focus();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function () {
      // After this event the browser has read the form, the pressed button included.
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  });

  var chat = document.querySelector("[data-pending-url]");
  if (!chat || !window.fetch) {
    return;
  }
  var url = chat.getAttribute("data-pending-url");
  window.setInterval(function () {
    if (input && input.value) {
      return;
    }
    window.fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : { pending: 0 }; })
      .then(function (data) {
        if (data.pending > 0 && !(input && input.value)) {
          window.location.reload();
        }
      })
      .catch(function () {});
  }, 4000);
})();
