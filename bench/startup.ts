// Startup CPU: `wrangler check startup` (it builds the Worker as `wrangler deploy` would and writes a
// V8 CPU profile of its startup phase, run locally in workerd). Runs it several times and reports the
// median run (by the Worker's part) against the budget of docs/architecture.md, and the functions
// with the most self time in that run.
// The profile also holds wrangler's own harness (a script that imports the Worker and waits); the
// Worker's part is its script's top level (inclusive), plus the garbage collector and "(program)"
// (V8 compiling and other native work), which the harness shares but barely uses.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { BENCH_ENV, ROOT } from "./lib/workers";

const run = promisify(execFile);
export const STARTUP_BUDGET_MS = 50;

type Profile = { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
export type StartupResult = {
  runs: number;
  spanMs: number;
  workerMs: number;
  topLevelMs: number;
  gcMs: number;
  programMs: number;
  workerMsOfRuns: number[];
  budgetMs: number;
  topFunctions: Array<{ name: string; selfMs: number }>;
};

const round = (n: number) => Math.round(n * 10) / 10;

function read(file: string) {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The Worker's script: the bundle wrangler built ("<dir>/worker.js"), entered at its top level.
  const isWorkerTop = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return f.lineNumber === -1 && f.functionName === "" && /(^|\/)worker\.js$/.test(f.url);
  };
  const under = (id: number) => {
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) if (isWorkerTop(x)) return true;
    return false;
  };
  let topLevel = 0;
  let gc = 0;
  let program = 0;
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(garbage collector)") gc += us;
    else if (f.functionName === "(program)") program += us;
    else if (under(id)) topLevel += us;
    else return;
    const name = f.functionName || "(top level of the Worker)";
    self.set(name, (self.get(name) ?? 0) + us);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, us]) => ({ name, selfMs: round(us / 1000) }));
  return { spanMs: round((p.endTime - p.startTime) / 1000), topLevelMs: round(topLevel / 1000), gcMs: round(gc / 1000), programMs: round(program / 1000), workerMs: round((topLevel + gc + program) / 1000), top };
}

export async function startup(dir: string, runs = 5): Promise<StartupResult> {
  mkdirSync(dir, { recursive: true });
  const results = [];
  for (let i = 0; i < runs; i++) {
    const file = join(dir, `startup-${i}.cpuprofile`);
    await run("npx", ["wrangler", "check", "startup", "--outfile", file], { cwd: ROOT, env: BENCH_ENV, maxBuffer: 64 << 20 });
    results.push(read(file));
  }
  const mid = [...results].sort((a, b) => a.workerMs - b.workerMs)[Math.floor(runs / 2)]!;
  return {
    runs,
    spanMs: mid.spanMs,
    workerMs: mid.workerMs,
    topLevelMs: mid.topLevelMs,
    gcMs: mid.gcMs,
    programMs: mid.programMs,
    workerMsOfRuns: results.map((r) => r.workerMs),
    budgetMs: STARTUP_BUDGET_MS,
    topFunctions: mid.top,
  };
}
