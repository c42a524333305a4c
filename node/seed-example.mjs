// The seed's JavaScript, run unchanged with @fal-ai/client: only fal.config() differs.
//
//   node node/seed-example.mjs proxy  <app base URL>    <API token>  <image> <audio>
//   node node/seed-example.mjs engine <engine base URL> -            <image> <audio> [--multipart]
//
// "proxy": every call goes through our /api/fal/proxy as one of our users.
// "engine": straight to the local fal-compatible engine (fal's hosts rewritten to it).
// Prints one JSON line, "RESULT {...}", that tests/falproxy/test_js_client.py checks.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { fal } from "@fal-ai/client";

const [mode, base, token, imagePath, audioPath, ...flags] = process.argv.slice(2);

if (mode === "proxy") {
  fal.config({
    // Outside a browser the client only proxies when told to ("always").
    proxyUrl: { url: `${base}/api/fal/proxy`, when: "always" },
    // Our user: an API token (a browser page sends its session cookie and CSRF token).
    requestMiddleware: async (request) => ({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${token}` },
    }),
  });
} else {
  const hosts = { "https://queue.fal.run/": "queue/", "https://rest.fal.ai/": "rest/", "https://fal.run/": "run/" };
  fal.config({
    credentials: "local:local",
    requestMiddleware: async (request) => {
      for (const [host, path] of Object.entries(hosts)) {
        if (request.url.startsWith(host)) return { ...request, url: `${base}/${path}${request.url.slice(host.length)}` };
      }
      return request;
    },
  });
}

const report = { updates: [], logs: [] };

// --- the seed's snippet ------------------------------------------------------------------
const portrait = new File([await readFile(imagePath)], basename(imagePath), { type: "image/png" });
const speech = new File([await readFile(audioPath)], basename(audioPath), { type: "audio/wav" });
const image_url = await fal.storage.upload(portrait);
const audio_url = await fal.storage.upload(speech);

const result = await fal.subscribe("fal-ai/kling-video/v1/pro/ai-avatar", {
  input: {
    image_url,
    audio_url,
    prompt: "A friendly greeting",
  },
  logs: true,
  onQueueUpdate: (update) => {
    report.updates.push(update.status);
    if (update.status === "IN_PROGRESS") {
      update.logs.map((log) => log.message).forEach((message) => report.logs.push(message));
    }
  },
});
console.log(result.data);
console.log(result.requestId);

const status = await fal.queue.status("fal-ai/kling-video/v1/pro/ai-avatar", {
  requestId: result.requestId,
  logs: true,
});
const again = await fal.queue.result("fal-ai/kling-video/v1/pro/ai-avatar", {
  requestId: result.requestId,
});

const { request_id } = await fal.queue.submit("fal-ai/kling-video/v1/pro/ai-avatar", {
  input: { image_url, audio_url },
});
await fal.queue.cancel("fal-ai/kling-video/v1/pro/ai-avatar", { requestId: request_id });
// -----------------------------------------------------------------------------------------

let multipart = null;
if (flags.includes("--multipart")) {
  // Over 90 MB the client switches to initiate-multipart, 10 MB parts and complete.
  const big = new File([new Uint8Array(91 * 1024 * 1024).fill(7)], "big.bin", { type: "application/octet-stream" });
  multipart = await fal.storage.upload(big);
}

report.image_url = image_url;
report.audio_url = audio_url;
report.data = result.data;
report.requestId = result.requestId;
report.status = { status: status.status, logs: (status.logs || []).length };
report.again = again.data;
report.againRequestId = again.requestId;
report.cancelled = request_id;
report.multipart = multipart;
console.log(`RESULT ${JSON.stringify(report)}`);
