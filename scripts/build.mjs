// Bundles the Worker for wrangler (dev and deploy). What it adds over wrangler's own bundling: two
// parts of zod the Worker never uses are left out, because the `z` namespace that @hono/zod-openapi
// re-exports keeps all of zod alive otherwise: the locale table (every language, ~250 KB minified;
// English stays) and fromJSONSchema (~12 KB). It also puts the static assets in dist/public/ (see
// [assets] in wrangler.toml): Scalar's standalone bundle for /docs, from the @scalar/api-reference
// package, so it is served by this Worker and never fetched from a CDN. Generated, not committed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The package exports no path to its browser bundle; it sits beside dist/index.js (its "browser" field).
const scalarDist = dirname(createRequire(import.meta.url).resolve("@scalar/api-reference"));
mkdirSync("dist/public/docs/scalar", { recursive: true });
copyFileSync(join(scalarDist, "browser", "standalone.js"), "dist/public/docs/scalar/standalone.js");

const englishOnly = fileURLToPath(new URL("./zod-locales-en.mjs", import.meta.url));
const noFromJsonSchema = fileURLToPath(new URL("./zod-from-json-schema-stub.mjs", import.meta.url));

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
      // node-postgres (CommonJS) requires Node's modules by their bare names ("events", "crypto"). With
      // nodejs_compat the runtime provides them as node:* ES modules; a require() of an external would
      // stay a runtime require (which Workers lack), so each becomes a small module importing node:*.
      name: "node-builtins",
      setup(b) {
        const names = new Set(builtinModules.filter((m) => !m.startsWith("_")));
        b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
          const name = args.path.replace(/^node:/, "");
          if (!names.has(name) || args.namespace === "node-builtin") return undefined; // see the next resolver
          return args.kind === "require-call" ? { path: name, namespace: "node-builtin" } : { path: `node:${name}`, external: true };
        });
        b.onResolve({ filter: /.*/, namespace: "node-builtin" }, (args) => ({ path: args.path, external: true }));
        b.onLoad({ filter: /.*/, namespace: "node-builtin" }, (args) => ({ contents: `export * from "node:${args.path}";`, loader: "js" }));
      },
    },
    {
      name: "zod-trim",
      setup(b) {
        b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
          args.importer.includes("/node_modules/zod/") ? { path: englishOnly } : undefined,
        );
        b.onResolve({ filter: /\/from-json-schema\.js$/ }, (args) =>
          args.importer.includes("/node_modules/zod/") ? { path: noFromJsonSchema } : undefined,
        );
      },
    },
  ],
});
