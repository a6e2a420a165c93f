// Bundles the Worker for wrangler (dev and deploy). The one thing it adds over wrangler's own bundling:
// zod's locale table (every language, ~250 KB minified) is replaced by English only, because the
// `z` namespace that @hono/zod-openapi re-exports keeps every locale alive otherwise.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const englishOnly = fileURLToPath(new URL("./zod-locales-en.mjs", import.meta.url));

await build({
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  mainFields: ["module", "main"],
  conditions: ["workerd", "worker", "browser"],
  external: ["cloudflare:*", "node:*"],
  outfile: "dist/worker.js",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "zod-english-locale",
      setup(b) {
        b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
          args.importer.includes("/node_modules/zod/") ? { path: englishOnly } : undefined,
        );
      },
    },
  ],
});
