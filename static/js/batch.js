// The batch page: refresh the item table every ~2 s until the batch has finished (the form
// has its own script, batch-form.js).
(function () {
  "use strict";
  var panel = document.getElementById("batch-live");
  if (!panel || panel.dataset.finished === "true") return;
  var announce = document.getElementById("batch-announce");
  var totals = function () {
    var line = panel.querySelector(".batch-totals");
    return line ? line.textContent.replace(/\s+/g, " ").trim() : "";
  };
  var lastTotals = totals();

  // Shows one answer ({finished, html}); true once the batch has finished.
  window.pollLivePanel(panel.dataset.statusUrl, function (body) {
    panel.innerHTML = body.html;
    if (body.finished) {
      panel.dataset.finished = "true";
      announce.textContent = "The batch has finished.";
      return true;
    }
    // The replaced table is not itself announced; say the new counts once, when they change.
    if (totals() !== lastTotals) {
      lastTotals = totals();
      announce.textContent = lastTotals;
    }
    return false;
  });
})();
