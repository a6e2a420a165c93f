// Startup CPU: `wrangler check startup` (it builds the Worker as `wrangler deploy` would and writes a
// V8 CPU profile of its startup phase, run locally in workerd). Runs it several times and reports the
// median of the profile's span and of its sampled busy time (samples that are not "(idle)"), against
// the budget of docs/architecture.md, and the functions with the most self time in the median run.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { BENCH_ENV, ROOT } from "./lib/workers";

const run = promisify(execFile);
export const STARTUP_BUDGET_MS = 50;

type Profile = { nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
export type StartupResult = { runs: number; spanMs: number; busyMs: number; spans: number[]; budgetMs: number; topFunctions: Array<{ name: string; selfMs: number }> };

const round = (n: number) => Math.round(n * 10) / 10;

function read(file: string) {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  let busy = 0;
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)") return;
    busy += us;
    const name = f.functionName || `(top level of ${f.url || "?"})`;
    self.set(name, (self.get(name) ?? 0) + us);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, us]) => ({ name, selfMs: round(us / 1000) }));
  return { spanMs: round((p.endTime - p.startTime) / 1000), busyMs: round(busy / 1000), top };
}

export async function startup(dir: string, runs = 5): Promise<StartupResult> {
  mkdirSync(dir, { recursive: true });
  const results = [];
  for (let i = 0; i < runs; i++) {
    const file = join(dir, `startup-${i}.cpuprofile`);
    await run("npx", ["wrangler", "check", "startup", "--outfile", file], { cwd: ROOT, env: BENCH_ENV, maxBuffer: 64 << 20 });
    results.push(read(file));
  }
  const sorted = [...results].sort((a, b) => a.spanMs - b.spanMs);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return { runs, spanMs: mid.spanMs, busyMs: [...results].sort((a, b) => a.busyMs - b.busyMs)[Math.floor(runs / 2)]!.busyMs, spans: results.map((r) => r.spanMs), budgetMs: STARTUP_BUDGET_MS, topFunctions: mid.top };
}
