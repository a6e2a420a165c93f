// npm run bench [-- --only=bundle,startup,throughput,warehouse,files] [--duration=4 --connections=8 --rounds=5]
// Benchmarks of DESIGN.md section 8 (not part of npm test). Prints a table at the end and merges the
// results into bench/results.json (each part keeps the date of its last run). Every child process
// (wrangler dev, workerd, local servers) is stopped at the end, also on failure or Ctrl-C.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bundle, type BundleResult } from "./bundle";
import { startup } from "./startup";
import { onCleanup, runMain } from "./lib/procs";
import { writeSeed } from "./lib/seed";
import { BARE_CONFIG, checkSameCompatibility, d1Exec, devWorker, freePort, migrate, ROOT, workerdVersion, writeBareConfig, writeOursConfig, type DevWorker } from "./lib/workers";
import { renderTables } from "./lib/table";
import { throughput, type Baseline } from "./throughput";

const PARTS = ["bundle", "startup", "throughput", "warehouse", "files"] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
    rounds: { type: "string" },
    "keep-results": { type: "boolean", default: false },
  },
});
const only = new Set((values.only ? values.only.split(",") : PARTS).map((s) => s.trim()) as Part[]);
for (const p of only) if (!PARTS.includes(p)) throw new Error(`unknown part ${p}; one of ${PARTS.join(", ")}`);

async function main() {
  const started = new Date();
  const work = join(os.tmpdir(), `connections-bench-${process.pid}`);
  mkdirSync(work, { recursive: true });
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const machine = {
    date: started.toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    workerd: await workerdVersion(),
    wrangler: JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version as string,
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 10) / 10),
    compatibilityDate: checkSameCompatibility(),
  };
  const results: Record<string, unknown> = {};

  // Every part serves the minified bundle the dry-run produces, so it is always built.
  console.log("[bundle] wrangler deploy --dry-run --minify");
  const b: BundleResult = await bundle(join(work, "bundle"));
  console.log(`[bundle] ${b.minifiedBytes} bytes minified, ${b.gzipBytes} bytes gzip (wrangler: ${b.wranglerGzipKiB} KiB gzip)`);
  if (only.has("bundle")) results.bundle = b;
  if (only.has("startup")) {
    console.log("[startup] wrangler check startup, 5 runs");
    results.startup = await startup(join(work, "startup"));
  }

  const needWorker = only.has("throughput") || only.has("warehouse") || only.has("files");
  if (needWorker) {
    const oursConfig = writeOursConfig(join(work, "ours"), b.worker);
    const oursState = join(work, "ours-state");
    const seed = await writeSeed(join(work, "seed.sql"));
    // The bare worker and its variants (bench/throughput.ts), each on its own seeded D1.
    const bareConfigs: Record<Baseline, string> = {
      bare: BARE_CONFIG,
      bareLimiter: writeBareConfig(join(work, "bare-limiter"), { limit: true, keyCheck: false, session: false }),
      bareLimiterKey: writeBareConfig(join(work, "bare-limiter-key"), { limit: true, keyCheck: true, session: false }),
      floor: writeBareConfig(join(work, "floor"), { limit: true, keyCheck: true, session: true }),
    };
    const configs = [["ours", oursConfig], ...(only.has("throughput") ? Object.entries(bareConfigs) : [])] as Array<[string, string]>;
    console.log("[setup] migrating and seeding the local D1 databases");
    for (const [label, config] of configs) {
      await migrate(config, join(work, `${label}-state`));
      await d1Exec(config, join(work, `${label}-state`), seed.sqlFile);
    }
    console.log(`[setup] starting wrangler dev (${configs.map(([l]) => l).join(", ")})`);
    const ours: DevWorker = await devWorker("ours", oursConfig, oursState, await freePort());
    onCleanup(() => ours.stop());
    if (only.has("throughput")) {
      const baselines = {} as Record<Baseline, DevWorker>;
      for (const [label, config] of Object.entries(bareConfigs) as Array<[Baseline, string]>) {
        const w = await devWorker(label, config, join(work, `${label}-state`), await freePort());
        onCleanup(() => w.stop());
        baselines[label] = w;
      }
      results.throughput = await throughput(ours, baselines, seed, {
        duration: values.duration ? Number(values.duration) : undefined,
        connections: values.connections ? Number(values.connections) : undefined,
        rounds: values.rounds ? Number(values.rounds) : undefined,
      });
      for (const w of Object.values(baselines)) await w.stop();
    }
    if (only.has("warehouse") || only.has("files")) {
      const { warehouseAndFiles } = await import("./warehouse");
      Object.assign(results, await warehouseAndFiles(ours, seed, { warehouse: only.has("warehouse"), files: only.has("files") }));
    }
  }

  const file = join(ROOT, "bench/results.json");
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { parts: {} };
  const merged = { machine, parts: { ...previous.parts } as Record<string, unknown> };
  for (const [k, v] of Object.entries(results)) merged.parts[k] = { date: machine.date, loadAverageAtStart: machine.loadAverageAtStart, ...(v as object) };
  if (!values["keep-results"]) writeFileSync(file, JSON.stringify(merged, null, 2) + "\n");
  console.log("\n" + renderTables(machine, results));
}

runMain(main);
