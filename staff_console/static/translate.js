// Rumbo console: the translation workspace and the voice recorder.
// Without this file every form still works (the server checks the placeholders,
// and a recording can be uploaded as a file). With it:
// - each translation field updates its chat preview and says at once when a
//   placeholder such as {name} is missing or added (the field is then invalid);
// - each voice key gets a record button (MediaRecorder), a playback and a save.
(function () {
  "use strict";

  function placeholders(text, template) {
    var pattern = template ? /\{\{\d+\}\}/g : /\{\{|\}\}|\{[^{}]*\}|%\(\w+\)s/g;
    var found = (text.match(pattern) || []).filter(function (p) { return p !== "{{" && p !== "}}"; });
    return found.sort();
  }

  function problem(source, text, template) {
    var want = placeholders(source, template);
    var got = placeholders(text, template);
    var missing = want.filter(function (p) { return got.indexOf(p) < 0; });
    var extra = got.filter(function (p) { return want.indexOf(p) < 0; });
    var form = document.body.getAttribute("data-placeholder-words") || "";
    var words = form.split("|");
    var parts = [];
    if (missing.length) { parts.push((words[0] || "Missing:") + " " + missing.join(" ")); }
    if (extra.length) { parts.push((words[1] || "Not in the Spanish:") + " " + extra.join(" ")); }
    return parts.join(" · ");
  }

  function watch(field) {
    var source = field.getAttribute("data-source") || "";
    var template = field.getAttribute("data-template") === "yes";
    var anchor = field.getAttribute("data-anchor");
    var status = field.form.querySelector(".placeholder-check");
    var preview = anchor ? document.querySelector('[data-preview-for="' + anchor + '"]') : null;
    function check() {
      var text = field.value;
      var said = text.trim() ? problem(source, text, template) : "";
      field.setCustomValidity(said);
      if (status) { status.hidden = !said; status.textContent = said; }
      if (preview) { preview.textContent = text.trim() || source; }
    }
    field.addEventListener("input", check);
    check();
  }

  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-source]"), watch);

  // --- the recorder ---------------------------------------------------------------
  var recorders = document.querySelectorAll("[data-recorder]");
  if (!recorders.length) { return; }
  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return; // the upload form stays
  }
  var csrf = document.querySelector('input[name="csrf_token"]');

  function setUp(box) {
    var key = box.getAttribute("data-key");
    var url = box.getAttribute("data-url");
    var record = box.querySelector("[data-record]");
    var stop = box.querySelector("[data-stop]");
    var save = box.querySelector("[data-save]");
    var audio = box.querySelector("audio");
    var status = box.querySelector("[data-status]");
    var chunks = [];
    var recorder = null;
    var blob = null;
    box.hidden = false;

    record.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        var type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
        recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
        recorder.addEventListener("dataavailable", function (e) { if (e.data.size) { chunks.push(e.data); } });
        recorder.addEventListener("stop", function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
          audio.src = URL.createObjectURL(blob);
          audio.hidden = false;
          save.disabled = false;
          status.textContent = box.getAttribute("data-recorded") || "";
        });
        recorder.start();
        record.disabled = true;
        stop.disabled = false;
        save.disabled = true;
        status.textContent = box.getAttribute("data-recording") || "";
      }).catch(function () {
        status.textContent = box.getAttribute("data-no-microphone") || "";
      });
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") { recorder.stop(); }
      record.disabled = false;
      stop.disabled = true;
    });

    save.addEventListener("click", function () {
      if (!blob) { return; }
      var data = new FormData();
      data.append("csrf_token", csrf ? csrf.value : "");
      data.append("key", key);
      data.append("audio", blob, "recording.webm");
      save.disabled = true;
      status.textContent = box.getAttribute("data-saving") || "";
      fetch(url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { window.location.assign(response.url || window.location.href); })
        .catch(function () { save.disabled = false; status.textContent = box.getAttribute("data-failed") || ""; });
    });
  }

  Array.prototype.forEach.call(recorders, setUp);
})();
