// Transcription editor: audio playback keys and medical-term autocomplete (the practice's
// lexicon and ICD-10-CM descriptions, from /chart/transcription/terms/).
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    var audio = document.getElementById("dictation-audio");
    if (audio) {
      document.querySelectorAll("[data-skip]").forEach(function (b) {
        b.addEventListener("click", function () { audio.currentTime = Math.max(0, audio.currentTime + Number(b.dataset.skip)); });
      });
      document.querySelectorAll("[data-toggle]").forEach(function (b) {
        b.addEventListener("click", function () { if (audio.paused) audio.play(); else audio.pause(); });
      });
      document.querySelectorAll("[data-rate]").forEach(function (s) {
        s.addEventListener("change", function () { audio.playbackRate = Number(s.value); });
      });
      document.addEventListener("keydown", function (e) {
        if (!e.altKey) return;
        if (e.key === "k") { e.preventDefault(); if (audio.paused) audio.play(); else audio.pause(); }
        if (e.key === "j") { e.preventDefault(); audio.currentTime = Math.max(0, audio.currentTime - 5); }
        if (e.key === "l") { e.preventDefault(); audio.currentTime += 5; }
      });
    }
    var list = document.getElementById("term-list");
    var box = document.getElementById("id_transcript");
    if (!list || !box) return;
    var timer = null;
    function currentWord() {
      var upto = box.value.slice(0, box.selectionStart);
      var m = upto.match(/([A-Za-z][A-Za-z-]{2,})$/);
      return m ? m[1] : "";
    }
    function choose(term) {
      var word = currentWord();
      var start = box.selectionStart - word.length;
      box.value = box.value.slice(0, start) + term + box.value.slice(box.selectionStart);
      box.selectionStart = box.selectionEnd = start + term.length;
      list.innerHTML = "";
      box.focus();
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      var word = currentWord();
      if (word.length < 3) { list.innerHTML = ""; return; }
      timer = setTimeout(function () {
        fetch(list.dataset.url + "?q=" + encodeURIComponent(word), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { terms: [] }; })
          .then(function (data) {
            list.innerHTML = "";
            data.terms.forEach(function (t, i) {
              var li = document.createElement("li");
              li.textContent = t;
              li.setAttribute("role", "option");
              if (i === 0) li.setAttribute("aria-selected", "true");
              li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(t); });
              list.appendChild(li);
            });
          });
      }, 150);
    });
    box.addEventListener("keydown", function (e) {
      var first = list.querySelector("[aria-selected=true]");
      if (first && e.key === "Tab") { e.preventDefault(); choose(first.textContent); }
      if (e.key === "Escape") list.innerHTML = "";
    });
  });
})();
