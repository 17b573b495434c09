// hive records UI: the little script the pages use. No framework, no build step.
// It only enhances pages that work without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Copy buttons: <button class="copy" data-copy="ID"> copies the text of #ID.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(el.textContent).then(function () {
        var old = b.textContent;
        b.textContent = "copied";
        setTimeout(function () { b.textContent = old; }, 1200);
      });
    });
  });
  // Expand / collapse every call of the timeline at once.
  document.querySelectorAll("button[data-toggle-calls]").forEach(function (b) {
    b.addEventListener("click", function () {
      var all = document.querySelectorAll(".timeline li > details");
      var open = !Array.prototype.every.call(all, function (d) { return d.open; });
      all.forEach(function (d) { d.open = open; });
    });
  });
  // Selecting a time range preset clears the custom bounds.
  document.querySelectorAll("select[name=range]").forEach(function (s) {
    s.addEventListener("change", function () {
      var f = s.form;
      ["since", "until"].forEach(function (n) { if (f.elements[n]) { f.elements[n].value = ""; } });
    });
  });
});
