// Job page: keep the live status panel current until the job has finished. The server
// pushes the panel as server-sent events; where EventSource is missing or keeps failing,
// the page asks for it every ~2 s instead.
(function () {
  "use strict";
  var panel = document.getElementById("job-live");
  if (!panel) return;

  // "This page follows it live" is no longer true once the job has finished.
  function dropCreatedNote() {
    var notes = document.querySelectorAll(".message-job-created");
    for (var i = 0; i < notes.length; i++) {
      var list = notes[i].parentNode;
      list.removeChild(notes[i]);
      if (!list.children.length) list.parentNode.removeChild(list);
    }
  }

  if (panel.dataset.finished === "true") {
    dropCreatedNote();
    return;
  }

  // Shows one answer ({state, finished, html}); true once the job has finished.
  function show(body) {
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
    if (!body.finished) return false;
    panel.dataset.finished = "true";
    dropCreatedNote();
    document.dispatchEvent(new CustomEvent("job:finished", { detail: body }));
    return true;
  }

  function poll() { window.pollLivePanel(panel.dataset.statusUrl, show); }

  // Connections in a row that brought no news before the page stops listening and polls.
  var MAX_STREAM_FAILURES = 3;

  function listen() {
    var source = new EventSource(panel.dataset.eventsUrl);
    // Counted down only by a status event, not by a connection opening: every stream starts
    // with one, so a proxy that accepts streams and drops them at once still counts as failing.
    var failures = 0;
    source.addEventListener("status", function (event) {
      failures = 0;
      if (show(JSON.parse(event.data))) source.close();
    });
    source.addEventListener("error", function () {
      // The server ends every stream after a while and the browser reconnects by itself (an
      // error, then an open); only a stream that keeps failing, or one the browser has given
      // up on, hands over to polling.
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures >= MAX_STREAM_FAILURES) {
        source.close();
        poll();
      }
    });
  }

  if (window.EventSource && panel.dataset.eventsUrl) listen();
  else poll();
})();
