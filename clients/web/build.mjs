// Bundles src/ into dist/ with esbuild: dist/index.html, dist/styles.css, dist/app.js.
// Everything the page loads comes from dist/: nothing is fetched from a CDN at run time.
//   node build.mjs            production bundle (minified, with a source map)
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const out = join(here, "dist");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(src, "main.js")],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
});
await copyFile(join(src, "index.html"), join(out, "index.html"));
await copyFile(join(src, "styles.css"), join(out, "styles.css"));
console.log(`built ${out}`);
