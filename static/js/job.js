// Job page: refresh the live status panel every ~2 s until the job has finished.
(function () {
  "use strict";
  var panel = document.getElementById("job-live");
  if (!panel || panel.dataset.finished === "true") return;
  var url = panel.dataset.statusUrl;
  var interval = 2000;
  var failures = 0;

  function schedule(delay) { window.setTimeout(refresh, delay); }

  function refresh() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        failures = 0;
        // Keep an open/closed log panel as the user left it.
        var logs = panel.querySelector("details.logs");
        var logsOpen = logs ? logs.open : true;
        panel.innerHTML = body.html;
        var newLogs = panel.querySelector("details.logs");
        if (newLogs) {
          newLogs.open = logsOpen;
          var lines = newLogs.querySelector(".log-lines");
          if (lines) lines.scrollTop = lines.scrollHeight;
        }
        if (body.state !== panel.dataset.state) {
          // One short announcement per change of state, not a re-read of the whole panel.
          var badge = panel.querySelector(".badge");
          document.getElementById("job-announce").textContent = "Status: " + (badge ? badge.textContent : body.state);
        }
        panel.dataset.state = body.state;
        if (body.finished) {
          panel.dataset.finished = "true";
          document.dispatchEvent(new CustomEvent("job:finished", { detail: body }));
          return;
        }
        schedule(interval);
      })
      .catch(function () {
        // A network blip or a restart: back off, but keep trying (bounded delay).
        failures += 1;
        schedule(Math.min(interval * Math.pow(2, failures), 30000));
      });
  }

  schedule(interval);
})();
