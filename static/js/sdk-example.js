// The seed's example in the browser: the vendored @fal-ai/client through our proxy.
(function () {
  "use strict";
  const { fal } = window.falClient;
  const form = document.getElementById("sdk-form");
  const statusLine = document.getElementById("sdk-status");
  const logList = document.getElementById("sdk-logs");
  const output = document.getElementById("sdk-output");
  const runButton = document.getElementById("sdk-run");

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  fal.config({
    proxyUrl: "/api/fal/proxy",
    // Our session authenticates the calls; Django wants the CSRF token on unsafe ones.
    requestMiddleware: async (request) => ({
      ...request,
      headers: { ...request.headers, "X-CSRFToken": csrfToken() },
    }),
  });

  function show(text) {
    statusLine.textContent = text;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const image = document.getElementById("sdk-image").files[0];
    const audio = document.getElementById("sdk-audio").files[0];
    if (!image || !audio) {
      show("Choose a portrait and a speech recording first.");
      return;
    }
    runButton.disabled = true;
    logList.replaceChildren();
    output.replaceChildren();
    try {
      show("Uploading…");
      const image_url = await fal.storage.upload(image);
      const audio_url = await fal.storage.upload(audio);
      const seen = new Set();
      const result = await fal.subscribe("fal-ai/kling-video/v1/pro/ai-avatar", {
        input: { image_url, audio_url, prompt: document.getElementById("sdk-prompt").value },
        logs: true,
        onQueueUpdate: (update) => {
          if (update.status === "IN_QUEUE") {
            show(`In queue (position ${update.queue_position}: ${update.queue_position ? `${update.queue_position} ahead` : "next to start"})`);
          } else if (update.status === "IN_PROGRESS") {
            show("In progress");
            update.logs.map((log) => log.message).forEach((message) => {
              if (seen.has(message)) return;
              seen.add(message);
              const item = document.createElement("li");
              item.textContent = message;
              logList.append(item);
            });
          } else {
            show("Completed");
          }
        },
      });
      show(`Completed: request ${result.requestId}`);
      const video = document.createElement("video");
      video.className = "player";
      video.controls = true;
      video.src = result.data.video.url;
      output.append(video);
    } catch (error) {
      const detail = error && error.body && error.body.detail;
      show(`Failed: ${typeof detail === "string" ? detail : (error && error.message) || error}`);
    } finally {
      runButton.disabled = false;
    }
  });
  runButton.disabled = false; // drawn disabled: before this script the form could not run
})();
