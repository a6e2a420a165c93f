// A/B of our Worker's CPU per request: this tree against another checkout (e.g. a worktree of main),
// both from their sources under wrangler dev on the same seeded data. Each round loads both at the
// same time, so a change in the machine's speed (other load, a noisy neighbour) hits both alike;
// the figure is workerd CPU ms/request (from /proc) and the per-round ratio this/base, whose median
// is reported. req/s is printed but is the noisier figure.
// `npx tsx bench/ab.ts --base=/path/to/other/checkout [--rounds=5] [--duration=4]`
import { mkdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { onCleanup, runMain } from "./lib/procs";
import { writeSeed } from "./lib/seed";
import { pairedLoad } from "./lib/paired-load";
import { ROOT, d1Exec, devWorker, freePort, migrate, writeOursConfig, type DevWorker } from "./lib/workers";

const { values } = parseArgs({ options: { base: { type: "string" }, rounds: { type: "string" }, duration: { type: "string" } } });
if (!values.base) throw new Error("--base=<checkout> is required");
const ROUNDS = Number(values.rounds ?? 5);
const DURATION = Number(values.duration ?? 4);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const work = join(ROOT, ".tmp/ab");
  mkdirSync(work, { recursive: true });
  const seed = await writeSeed(join(work, "seed.sql"));
  const workers: Record<"this" | "base", DevWorker> = {} as never;
  for (const [label, checkout] of [["this", ROOT], ["base", values.base!]] as const) {
    const config = writeOursConfig(join(work, label), join(checkout, "src/index.ts"), join(checkout, "wrangler.toml"));
    const state = join(work, `state-${label}-${Date.now()}`);
    await migrate(config, state);
    await d1Exec(config, state, seed.sqlFile);
    const w = await devWorker(label, config, state, await freePort());
    onCleanup(() => w.stop());
    workers[label] = w;
  }
  const headers = { authorization: `Bearer ${seed.token}` };
  const cases = [
    ["GET /api/connections/{id}", `/api/connections/${seed.connectionId}`],
    ["GET /api/connections?type=postgres", "/api/connections?type=postgres"],
  ] as const;
  for (const [name, path] of cases) {
    const targets = Object.entries(workers).map(([label, w]) => ({ label, worker: w, url: w.url + path, headers }));
    await pairedLoad(targets, 8, 2); // warm-up
    const ratios: number[] = [];
    const cpu: Record<string, number[]> = { this: [], base: [] };
    for (let i = 0; i < ROUNDS; i++) {
      const r = await pairedLoad(targets, 8, DURATION);
      for (const t of r) if (t.non2xx || t.errors) throw new Error(`${t.label} ${path}: ${t.non2xx} non-2xx, ${t.errors} errors`);
      const [a, b] = [r.find((t) => t.label === "this")!, r.find((t) => t.label === "base")!];
      cpu.this!.push(a.cpuMsPerRequest!);
      cpu.base!.push(b.cpuMsPerRequest!);
      ratios.push(a.cpuMsPerRequest! / b.cpuMsPerRequest!);
      console.log(`[ab] ${name} round ${i + 1} (load ${os.loadavg()[0]!.toFixed(1)}): this ${a.cpuMsPerRequest} ms/req ${a.reqPerSec} req/s, base ${b.cpuMsPerRequest} ms/req ${b.reqPerSec} req/s, this/base ${(a.cpuMsPerRequest! / b.cpuMsPerRequest!).toFixed(2)}`);
    }
    console.log(`[ab] ${name}: median CPU ms/req this ${median(cpu.this!)} vs base ${median(cpu.base!)}; median of the rounds' this/base ${median(ratios).toFixed(2)} (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
  }
}

runMain(main);
