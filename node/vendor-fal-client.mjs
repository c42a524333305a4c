// Bundles the pinned @fal-ai/client (package-lock.json) into one browser script for the
// JavaScript SDK page: static/vendor/fal-client/fal-client-<version>.js, exposing
// `window.falClient` (`falClient.fal`), with the licences of everything inside it.
// Run with `npm run vendor` after changing the pinned version; the output is committed.
import { build } from "esbuild";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";

const { version } = JSON.parse(await readFile("node_modules/@fal-ai/client/package.json", "utf8"));
const out = "static/vendor/fal-client";
await mkdir(out, { recursive: true });
await build({
  entryPoints: ["node_modules/@fal-ai/client/src/index.js"],
  bundle: true,
  minify: false,
  format: "iife",
  globalName: "falClient",
  platform: "browser",
  target: "es2020",
  legalComments: "inline",
  banner: { js: `/*! @fal-ai/client ${version} (npm), bundled by node/vendor-fal-client.mjs. MIT licence: LICENSE-fal-ai-client; its dependencies' licences beside it. */` },
  outfile: `${out}/fal-client-${version}.js`,
});
const licences = {
  "@fal-ai/client": "LICENSE-fal-ai-client",
  "@msgpack/msgpack": "LICENSE-msgpack",
  "eventsource-parser": "LICENSE-eventsource-parser",
  robot3: "LICENSE-robot3",
};
for (const [name, file] of Object.entries(licences)) {
  const source = ["LICENSE", "LICENSE.txt", "LICENSE.md"].map((candidate) => `node_modules/${name}/${candidate}`);
  let copied = false;
  for (const path of source) {
    try { await copyFile(path, `${out}/${file}`); copied = true; break; } catch { /* try the next name */ }
  }
  if (!copied) {
    // robot3 ships no licence text, only its package.json's licence field: record that.
    const meta = JSON.parse(await readFile(`node_modules/${name}/package.json`, "utf8"));
    if (!meta.license) throw new Error(`no licence found for ${name}`);
    await writeFile(`${out}/${file}`, `${name} ${meta.version} is licensed ${meta.license} (its package.json); the npm package carries no licence text.\n`);
  }
}
await writeFile(`${out}/VERSION`, `${version}\n`);
console.log(`static/vendor/fal-client/fal-client-${version}.js`);
