// Batch pages: count the chosen clips on the form; refresh the item table every ~2 s until
// the batch has finished.
(function () {
  "use strict";
  var form = document.getElementById("batch-form");
  if (form) {
    var clips = form.querySelector("input[name=audio]");
    var count = document.getElementById("batch-clip-count");
    var showCount = function () {
      var n = clips.files.length;
      count.textContent = n ? n + (n === 1 ? " clip" : " clips") + " chosen: " + n + (n === 1 ? " video" : " videos") + " will be made." : "";
    };
    clips.addEventListener("change", showCount);
    showCount();  // files chosen before this script ran (or kept by the browser on going back)
  }

  var panel = document.getElementById("batch-live");
  if (!panel || panel.dataset.finished === "true") return;
  var interval = 2000;
  var failures = 0;

  function schedule(delay) { window.setTimeout(refresh, delay); }

  function refresh() {
    fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        failures = 0;
        panel.innerHTML = body.html;
        if (body.finished) {
          panel.dataset.finished = "true";
          document.getElementById("batch-announce").textContent = "The batch has finished.";
          return;
        }
        schedule(interval);
      })
      .catch(function () {
        failures += 1;
        schedule(Math.min(interval * Math.pow(2, failures), 30000));
      });
  }

  schedule(interval);
})();
