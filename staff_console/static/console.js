// Rumbo console: keeps the dashboard's urgent list fresh without a reload.
// Everything works without this file; it only polls an HTML fragment the server
// renders (and escapes) and swaps it in.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-poll-url");
  var seconds = parseInt(body.getAttribute("data-poll-seconds") || "12", 10);
  var target = document.getElementById("urgent");
  var counter = document.getElementById("urgent-count");
  if (!url || !target || !window.fetch || !window.DOMParser) { return; }
  var note = document.querySelector(".live-note");
  if (note) { note.hidden = false; }
  var baseTitle = document.title;
  var timer = null;
  var busy = false;

  function keys(root) {
    var list = root.querySelector("#urgent-list");
    var raw = list ? list.getAttribute("data-ids") || "" : "";
    return raw.split(" ").filter(Boolean);
  }

  function refresh() {
    timer = null;
    if (busy) { return; }
    if (document.visibilityState === "hidden") { return schedule(); }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { seconds = 3600; window.location.assign("/login"); return null; }
        if (!response.ok) { return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null || html === undefined) { return; }
        var before = keys(target);
        var parsed = new DOMParser().parseFromString(html, "text/html");
        var fresh = parsed.getElementById("urgent-list");
        if (!fresh) { return; }
        target.replaceChildren(document.importNode(fresh, true));
        var after = keys(target);
        after.forEach(function (key) {
          if (before.indexOf(key) === -1) {
            var item = target.querySelector('[data-key="' + key + '"]');
            if (item) { item.classList.add("fresh"); }
          }
        });
        // The list may show only the first ones: the count is of them all.
        var total = parseInt(fresh.getAttribute("data-count") || "", 10);
        var count = isNaN(total) ? after.length : total;
        if (counter) { counter.textContent = String(count); }
        document.title = count ? "(" + count + ") " + baseTitle : baseTitle;
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { busy = false; schedule(); });
  }

  function schedule() {
    if (timer === null) {
      timer = window.setTimeout(refresh, Math.max(seconds, 1) * 1000);
    }
  }

  function stop() {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { stop(); refresh(); }
  });
  schedule();
})();
