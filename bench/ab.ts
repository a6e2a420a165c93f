// A/B of our Worker's CPU per request: this tree against another checkout (e.g. a worktree of main),
// both from their sources under wrangler dev on the same seeded data, measured in alternating rounds
// so load from elsewhere on the machine hits both alike. Reports workerd CPU ms/request (from /proc)
// per round; req/s is printed but is the noisier figure.
// `npx tsx bench/ab.ts --base=/path/to/other/checkout [--rounds=4] [--duration=4]`
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpuMsOf, onCleanup, runMain } from "./lib/procs";
import { writeSeed } from "./lib/seed";
import { ROOT, d1Exec, devWorker, freePort, migrate, writeOursConfig, type DevWorker } from "./lib/workers";

const autocannon = createRequire(import.meta.url)("autocannon") as (opts: Record<string, unknown>) => Promise<any>;
const { values } = parseArgs({ options: { base: { type: "string" }, rounds: { type: "string" }, duration: { type: "string" } } });
if (!values.base) throw new Error("--base=<checkout> is required");
const ROUNDS = Number(values.rounds ?? 4);
const DURATION = Number(values.duration ?? 4);

async function load(w: DevWorker, url: string, headers: Record<string, string>, duration: number) {
  const pid = w.workerdPid()!;
  const cpu0 = cpuMsOf(pid);
  const r = await autocannon({ url, headers, connections: 8, duration, pipelining: 1, timeout: 10 });
  const cpu = cpuMsOf(pid) - cpu0;
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { reqPerSec: Math.round(r.requests.average), cpuMsPerRequest: Math.round((cpu / r.requests.total) * 100) / 100 };
}

async function main() {
  const work = join(ROOT, ".tmp/ab");
  mkdirSync(work, { recursive: true });
  const seed = await writeSeed(join(work, "seed.sql"));
  const workers: Record<string, DevWorker> = {};
  for (const [label, entry] of [["this", join(ROOT, "src/index.ts")], ["base", join(values.base!, "src/index.ts")]] as const) {
    const config = writeOursConfig(join(work, label), entry);
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
    for (const w of Object.values(workers)) await load(w, w.url + path, headers, 2); // warm-up
    const cpu: Record<string, number[]> = { this: [], base: [] };
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ["this", "base"] : ["base", "this"];
      const line: string[] = [];
      for (const label of order) {
        const r = await load(workers[label]!, workers[label]!.url + path, headers, DURATION);
        cpu[label]!.push(r.cpuMsPerRequest);
        line.push(`${label} ${r.cpuMsPerRequest} ms/req ${r.reqPerSec} req/s`);
      }
      console.log(`[ab] ${name} round ${i + 1} (load ${os.loadavg()[0]!.toFixed(1)}): ${line.join(", ")}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`[ab] ${name}: median CPU ms/req this ${median(cpu.this!)} vs base ${median(cpu.base!)} (this/base ${(median(cpu.this!) / median(cpu.base!)).toFixed(2)})`);
  }
}

runMain(main);
