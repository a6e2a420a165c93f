// CPU profile of our Worker's hot paths inside workerd: `wrangler dev --inspector-port` serves the
// Chrome DevTools Protocol; this client starts the V8 sampling profiler, sends a batch of
// authenticated GET /api/connections/{id} and GET /api/connections?type=postgres, stops it, and maps
// each sample's position through the bundle's source map to its source file and function, so self
// time can be read per part (zod validation, Hono routing, drizzle's D1 result mapping, hashing,
// our middleware). The floor worker (bare + rate limiter + key row + D1 session, bench/throughput.ts) is
// profiled the same way, so the sampled busy time per request (samples that are not "(idle)") of our
// isolate can be set beside that of the floor: the D1 and limiter simulators run in other isolates
// and are not in either. `npx tsx bench/profile.ts [--requests=2000] [--out=.tmp/profile.json]`.
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { onCleanup, runMain } from "./lib/procs";
import { writeSeed } from "./lib/seed";
import { parseApiKey } from "../src/lib/api-keys";
import { ROOT, devWorker, d1Exec, freePort, migrate, writeBareConfig, writeOursConfig, type DevWorker } from "./lib/workers";

const { values } = parseArgs({ options: { requests: { type: "string" }, out: { type: "string" }, top: { type: "string" } } });
const REQUESTS = Number(values.requests ?? 2000);
const TOP = Number(values.top ?? 25);

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

function cdp(url: string) {
  const ws = new WebSocket(url);
  let id = 0;
  const waiting = new Map<number, (v: any) => void>();
  ws.on("message", (m) => {
    const msg = JSON.parse(String(m));
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)!(msg.error ? Promise.reject(new Error(JSON.stringify(msg.error))) : msg.result);
      waiting.delete(msg.id);
    }
  });
  const ready = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ready,
    send: (method: string, params: Record<string, unknown> = {}) =>
      new Promise<any>((resolve) => {
        const n = ++id;
        waiting.set(n, resolve);
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

// Which part of the Worker a source file belongs to.
function partOf(source: string | null): string {
  if (!source) return "(native / unmapped)";
  if (/drizzle-orm/.test(source)) return "drizzle-orm";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (m) return m[1]!;
  const s = /(?:^|\/)(src\/.+)$/.exec(source);
  return s ? s[1]! : source;
}

// Source maps of the scripts the profile names (wrangler dev writes its bundle with one beside it).
const maps = new Map<string, TraceMap | null>();
function mapFor(url: string, devMap: TraceMap | null): TraceMap | null {
  if (url === "index.js" || url.endsWith("/index.js")) return devMap;
  if (!maps.has(url)) {
    let m: TraceMap | null = null;
    try {
      const path = url.startsWith("file://") ? fileURLToPath(url) : url;
      m = new TraceMap(readFileSync(`${path}.map`, "utf8"));
    } catch {
      m = null;
    }
    maps.set(url, m);
  }
  return maps.get(url)!;
}

// wrangler dev keeps its bundle and source map under <config dir>/.wrangler/tmp/dev-*/ while it runs;
// the newest is this run's (older runs may have left theirs).
function findDevMap(dir: string): TraceMap | null {
  const tmp = join(dir, ".wrangler/tmp");
  let newest: { file: string; mtime: number } | null = null;
  try {
    for (const d of readdirSync(tmp)) {
      const file = join(tmp, d, "index.js.map");
      try {
        const mtime = statSync(file).mtimeMs;
        if (!newest || mtime > newest.mtime) newest = { file, mtime };
      } catch {}
    }
  } catch {}
  return newest ? new TraceMap(readFileSync(newest.file, "utf8")) : null;
}

// devMap: the source map of the profiled Worker's dev bundle (its script is "index.js").
export function summarize(profile: Profile, devMap: TraceMap | null) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const parts = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    let label = f.functionName || "(anonymous)";
    let part = f.url ? f.url : label.startsWith("(") ? label : "(native)";
    const map = f.url ? mapFor(f.url, devMap) : null;
    if (map && f.lineNumber >= 0) {
      const o = originalPositionFor(map, { line: f.lineNumber + 1, column: f.columnNumber });
      part = partOf(o.source);
      const where = o.source ? o.source.replace(/^.*node_modules\//, "").replace(/^(\.\.\/)+/, "") : "?";
      label = `${f.functionName || o.name || "(anonymous)"} ${where}:${o.line ?? "?"}`;
    } else if (!f.url) part = label; // (garbage collector), (program), (idle)
    fns.set(label, (fns.get(label) ?? 0) + us);
    parts.set(part, (parts.get(part) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((us / total) * 1000) / 10;
  const top = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, percent: pct(us) }));
  const idle = [...self.entries()].filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  return { totalMs: Math.round(total / 1000), busyMs: Math.round((total - idle) / 1000), functions: top(fns), parts: top(parts) };
}

async function inspector(w: DevWorker) {
  const targets = (await (await fetch(`http://127.0.0.1:${w.inspectorPort}/json`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? null;
  if (!target) throw new Error("no inspector target");
  const client = cdp(target.webSocketDebuggerUrl);
  await client.ready;
  return client;
}

async function profileRequests(client: ReturnType<typeof cdp>, name: string, url: string, headers: Record<string, string>) {
  for (let i = 0; i < 200; i++) await (await fetch(url, { headers })).arrayBuffer(); // warm-up
  await client.send("Profiler.enable");
  await client.send("Profiler.setSamplingInterval", { interval: 50 });
  await client.send("Profiler.start");
  const t0 = performance.now();
  const CONC = 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next++ < REQUESTS) {
        const res = await fetch(url, { headers });
        if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  const wall = performance.now() - t0;
  const { profile } = (await client.send("Profiler.stop")) as { profile: Profile };
  return { wall, profile };
}

async function main() {
  const work = join(ROOT, ".tmp/profile");
  mkdirSync(work, { recursive: true });
  // The Worker from its sources (not the minified bundle), so that functions keep their names and
  // wrangler's bundle carries a source map back to src/ and each package.
  const config = writeOursConfig(join(work, "ours"), join(ROOT, "src/index.ts"));
  const floorConfig = writeBareConfig(join(work, "floor"), { limit: true, keyCheck: true, session: true });
  const stamp = Date.now();
  const state = join(work, `state-${stamp}`);
  const floorState = join(work, `floor-state-${stamp}`);
  const seed = await writeSeed(join(work, "seed.sql"));
  for (const [c, s] of [[config, state], [floorConfig, floorState]]) {
    await migrate(c!, s!);
    await d1Exec(c!, s!, seed.sqlFile);
  }
  const ours = await devWorker("ours", config, state, await freePort());
  onCleanup(() => ours.stop());
  const floor = await devWorker("floor", floorConfig, floorState, await freePort());
  onCleanup(() => floor.stop());
  const devMap = findDevMap(join(work, "ours"));
  const floorMap = findDevMap(join(work, "floor"));
  console.log(`[profile] source maps of wrangler's dev bundles: ours ${devMap ? "found" : "not found (names only)"}, floor ${floorMap ? "found" : "not found"}`);
  const client = await inspector(ours);
  const floorClient = await inspector(floor);
  const headers = { authorization: `Bearer ${seed.token}` };
  const floorHeaders = { "x-workspace": seed.workspaceId, "x-key": parseApiKey(seed.token)!.keyId };
  const cases = [
    ["GET /api/connections/{id}", `/api/connections/${seed.connectionId}`, `/connections/${seed.connectionId}`],
    ["GET /api/connections?type=postgres", "/api/connections?type=postgres", "/connections?type=postgres"],
  ] as const;
  const results: Record<string, unknown> = { date: new Date().toISOString(), loadAverage: os.loadavg().map((n) => Math.round(n * 10) / 10), requests: REQUESTS };
  const perRequest = (ms: number) => Math.round((ms / REQUESTS) * 1000) / 1000;
  for (const [name, path, floorPath] of cases) {
    const { wall, profile } = await profileRequests(client, name, ours.url + path, headers);
    const s = summarize(profile, devMap);
    const f = summarize((await profileRequests(floorClient, name, floor.url + floorPath, floorHeaders)).profile, floorMap);
    results[name] = { wallMs: Math.round(wall), ...s, busyMsPerRequest: perRequest(s.busyMs), floorBusyMsPerRequest: perRequest(f.busyMs), floorParts: f.parts };
    console.log(`\n[profile] ${name}: ${REQUESTS} requests, ${s.totalMs} ms sampled`);
    console.log(`  busy (not idle) per request: ours ${perRequest(s.busyMs)} ms, floor (bare + limiter + key row + session) ${perRequest(f.busyMs)} ms`);
    console.log("  by part:");
    for (const p of s.parts) console.log(`    ${String(p.percent).padStart(5)}%  ${p.selfMs} ms  ${p.name}`);
    console.log("  by function:");
    for (const fn of s.functions) console.log(`    ${String(fn.percent).padStart(5)}%  ${fn.selfMs} ms  ${fn.name}`);
    console.log("  floor by part:");
    for (const p of f.parts.slice(0, 12)) console.log(`    ${String(p.percent).padStart(5)}%  ${p.selfMs} ms  ${p.name}`);
  }
  client.close();
  floorClient.close();
  const out = values.out ?? join(ROOT, ".tmp/profile.json");
  writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(`\n[profile] written to ${out}`);
}

runMain(main);
