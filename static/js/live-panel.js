// Live panels (the job page, the batch page): ask the panel's status URL for its JSON answer
// every ~2 s until `show` says the work has finished. Failures back off (bounded), so a
// network blip or a server restart costs a few slower refreshes, never a dead page.
window.pollLivePanel = function (statusUrl, show) {
  "use strict";
  var interval = 2000;
  var failures = 0;

  function schedule(delay) { window.setTimeout(refresh, delay); }

  function refresh() {
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        failures = 0;
        if (!show(body)) schedule(interval);
      })
      .catch(function () {
        failures += 1;
        schedule(Math.min(interval * Math.pow(2, failures), 30000));
      });
  }

  schedule(interval);
};
