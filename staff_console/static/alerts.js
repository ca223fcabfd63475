// Rumbo console: urgent alerts told to this staff member, on any page she has open.
// Every few seconds it asks /alerts/live (case numbers, categories and waiting times:
// never the adolescent's words or alias). A new alert shows the banner, plays a short
// sound and raises a browser notification (once she allowed them with the banner's
// button: browsers only allow sound and notifications after a click).
(function () {
  "use strict";
  var banner = document.getElementById("alert-banner");
  if (!banner || !window.fetch) { return; }
  var url = banner.getAttribute("data-live-url");
  var list = banner.querySelector(".alert-banner-list");
  var enable = banner.querySelector(".alert-banner-enable");
  var seconds = 5;
  var seen = {};
  var first = true;
  var audio = null;

  function beep() {
    try {
      if (!audio) { audio = new (window.AudioContext || window.webkitAudioContext)(); }
      [0, 0.35].forEach(function (at) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.frequency.value = 880;
        gain.gain.value = 0.2;
        tone.connect(gain); gain.connect(audio.destination);
        tone.start(audio.currentTime + at); tone.stop(audio.currentTime + at + 0.2);
      });
    } catch (e) { /* no sound on this browser */ }
  }

  function notify(alert) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var shown = new Notification("Rumbo: " + alert.case, {
        body: alert.category + " · " + alert.waited, tag: "rumbo-alert-" + alert.id
      });
      shown.onclick = function () { window.focus(); window.location.assign(alert.url); };
    } catch (e) { /* some browsers only notify from a service worker */ }
  }

  function show(alerts) {
    list.replaceChildren();
    alerts.forEach(function (alert) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = alert.url;
      link.textContent = alert.case + " · " + alert.category;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" · " + alert.waited));
      list.appendChild(item);
    });
    banner.hidden = alerts.length === 0;
    var wanted = "Notification" in window && Notification.permission === "default";
    enable.hidden = !wanted && audio !== null;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var fresh = data.alerts.filter(function (alert) { return !seen[alert.id]; });
        data.alerts.forEach(function (alert) { seen[alert.id] = true; });
        show(data.alerts);
        if (fresh.length) {
          beep();
          fresh.forEach(notify);
          if (!first) { banner.scrollIntoView({ block: "nearest" }); }
        }
        first = false;
      })
      .catch(function () { /* offline for a moment: try again */ })
      .then(function () { window.setTimeout(poll, seconds * 1000); });
  }

  enable.addEventListener("click", function () {
    beep();
    if ("Notification" in window && Notification.permission === "default") {
      Notification.requestPermission().then(function () { enable.hidden = true; });
    } else {
      enable.hidden = true;
    }
  });
  poll();
})();
