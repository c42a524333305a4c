// Job page: when the job ends, say so in the tab's title, and with a system notification if
// the person allowed them (asked only when they press the button: browsers ignore a request
// that no click made). job.js announces the end with a "job:finished" event.
(function () {
  "use strict";
  var offer = document.getElementById("job-notify");
  var button = document.getElementById("job-notify-button");
  var heading = document.querySelector("h1");
  var title = heading ? heading.textContent.trim() : document.title;
  var canNotify = "Notification" in window;

  function showOffer() {
    offer.hidden = !canNotify || Notification.permission !== "default";
  }

  if (offer && button) {
    showOffer();
    button.addEventListener("click", function () {
      Notification.requestPermission().then(showOffer, showOffer);
    });
  }

  document.addEventListener("job:finished", function (event) {
    var state = event.detail && event.detail.state;
    var news = state === "completed" ? "Ready" : state === "cancelled" ? "Cancelled" : "Failed";
    document.title = (state === "completed" ? "✓ " : "✗ ") + news + ": " + title;
    if (offer) offer.hidden = true;
    if (canNotify && Notification.permission === "granted") {
      new Notification(news === "Ready" ? "Your video is ready" : "Your video " + news.toLowerCase(), { body: title, tag: location.pathname });
    }
  });
})();
