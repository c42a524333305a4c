// Gallery tiles: a finished video previews muted while a mouse rests on it, and plays with
// sound and its controls once its play button is pressed (click, Enter or Space).
(function () {
  "use strict";

  // play() is interrupted whenever the pointer leaves before the video starts; that is the
  // user moving on, not a failure. Anything else is a real error and is left to surface.
  function play(video) {
    return video.play().catch(function (error) {
      if (error.name !== "AbortError") throw error;
    });
  }

  document.querySelectorAll(".tile .thumb").forEach(function (thumb) {
    var video = thumb.querySelector(".tile-video");
    var button = thumb.querySelector(".tile-play");
    if (!video || !button) return;

    function previewing() { return !video.controls; }

    // Touch screens send pointer events too, but have no hover to preview with.
    thumb.addEventListener("pointerenter", function (event) {
      if (event.pointerType !== "mouse" || !previewing()) return;
      video.muted = true;
      video.loop = true;
      play(video);
    });
    thumb.addEventListener("pointerleave", function (event) {
      if (event.pointerType !== "mouse" || !previewing()) return;
      video.pause();
      video.load();  // back to the poster, and no more buffering of a video nobody watches
    });

    button.addEventListener("click", function () {
      video.loop = false;
      video.muted = false;
      video.controls = true;
      button.hidden = true;
      thumb.classList.add("is-playing");
      video.focus();
      play(video);
    });
    button.hidden = false;
  });
})();
