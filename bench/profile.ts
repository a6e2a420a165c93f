// CPU profile of our Worker's hot paths inside workerd: `wrangler dev --inspector-port` serves the
// Chrome DevTools Protocol; this client starts the V8 sampling profiler, sends a batch of
// authenticated GET /api/connections/{id} and GET /api/connections?type=postgres, stops it, and maps
// each sample's position through the bundle's source map to its source file and function, so self
// time can be read per part (zod validation, Hono routing, drizzle's D1 result mapping, hashing,
// our middleware). `npx tsx bench/profile.ts [--requests=2000] [--out=.tmp/profile.json]`.
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { onCleanup, runMain } from "./lib/procs";
import { writeSeed } from "./lib/seed";
import { ROOT, devWorker, d1Exec, freePort, migrate, writeOursConfig } from "./lib/workers";

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
let devMap: TraceMap | null = null;
function mapFor(url: string): TraceMap | null {
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

// wrangler dev keeps its bundle and source map under <config dir>/.wrangler/tmp/dev-*/ while it runs.
function findDevMap(dir: string): TraceMap | null {
  const tmp = join(dir, ".wrangler/tmp");
  try {
    for (const d of readdirSync(tmp)) {
      const f = join(tmp, d, "index.js.map");
      try {
        return new TraceMap(readFileSync(f, "utf8"));
      } catch {}
    }
  } catch {}
  return null;
}

export function summarize(profile: Profile) {
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
    const map = f.url ? mapFor(f.url) : null;
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
  return { totalMs: Math.round(total / 1000), functions: top(fns), parts: top(parts) };
}

async function main() {
  const work = join(ROOT, ".tmp/profile");
  mkdirSync(work, { recursive: true });
  // The Worker from its sources (not the minified bundle), so that functions keep their names and
  // wrangler's bundle carries a source map back to src/ and each package.
  const config = writeOursConfig(join(work, "ours"), join(ROOT, "src/index.ts"));
  const state = join(work, `state-${Date.now()}`);
  const seed = await writeSeed(join(work, "seed.sql"));
  await migrate(config, state);
  await d1Exec(config, state, seed.sqlFile);
  const ours = await devWorker("ours", config, state, await freePort());
  onCleanup(() => ours.stop());
  devMap = findDevMap(join(work, "ours"));
  console.log(`[profile] source map of wrangler's dev bundle: ${devMap ? "found" : "not found (names only)"}`);
  const targets = (await (await fetch(`http://127.0.0.1:${ours.inspectorPort}/json`)).json()) as Array<{ webSocketDebuggerUrl: string; title?: string }>;
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? null;
  if (!target) throw new Error("no inspector target");
  const client = cdp(target.webSocketDebuggerUrl);
  await client.ready;
  const headers = { authorization: `Bearer ${seed.token}` };
  const cases = [
    ["GET /api/connections/{id}", `${ours.url}/api/connections/${seed.connectionId}`],
    ["GET /api/connections?type=postgres", `${ours.url}/api/connections?type=postgres`],
  ] as const;
  const results: Record<string, unknown> = { date: new Date().toISOString(), loadAverage: os.loadavg().map((n) => Math.round(n * 10) / 10), requests: REQUESTS };
  for (const [name, url] of cases) {
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
    const s = summarize(profile);
    console.log(`[profile] scripts: ${[...new Set(profile.nodes.map((n) => n.callFrame.url).filter(Boolean))].slice(0, 8).join(", ")}`);
    results[name] = { wallMs: Math.round(wall), ...s, cpuMsPerRequestSampled: Math.round((s.totalMs / REQUESTS) * 100) / 100 };
    console.log(`\n[profile] ${name}: ${REQUESTS} requests, ${s.totalMs} ms sampled`);
    console.log("  by part:");
    for (const p of s.parts) console.log(`    ${String(p.percent).padStart(5)}%  ${p.selfMs} ms  ${p.name}`);
    console.log("  by function:");
    for (const f of s.functions) console.log(`    ${String(f.percent).padStart(5)}%  ${f.selfMs} ms  ${f.name}`);
  }
  client.close();
  const out = values.out ?? join(ROOT, ".tmp/profile.json");
  writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(`\n[profile] written to ${out}`);
}

runMain(main);
