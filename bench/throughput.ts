// Throughput and latency of authenticated GET /api/connections/{id} and GET /api/connections?type=
// against the bare Hono + D1 worker answering the same single query, both under `wrangler dev` on
// the same machine, in the same run. Runs alternate (ours, bare, ours, bare ...) so a load spike
// from elsewhere hits both; after a warm-up; with autocannon's programmatic API.
import { createRequire } from "node:module";
import { cpuMsOf } from "./lib/procs";
import type { DevWorker } from "./lib/workers";
import type { Seed } from "./lib/seed";

const autocannon = createRequire(import.meta.url)("autocannon") as (opts: Record<string, unknown>) => Promise<any>;

export type LoadResult = { reqPerSec: number; p50: number; p99: number; requests: number; non2xx: number; errors: number; cpuMsPerRequest: number | null };
export type ThroughputCase = { name: string; ours: LoadResult; bare: LoadResult; ratio: number; rounds: Array<{ ours: LoadResult; bare: LoadResult }> };
export type ThroughputResult = { connections: number; durationSec: number; warmupSec: number; rounds: number; cases: ThroughputCase[]; budgetRatio: number };

export const THROUGHPUT_BUDGET = 0.8;

// cpuMs: CPU time used so far by the Worker's workerd process (user + system), so the CPU cost per
// request can be compared too; it depends much less on other load on the machine than req/s.
async function load(url: string, headers: Record<string, string>, connections: number, duration: number, cpuMs?: () => number | null): Promise<LoadResult> {
  const cpu0 = cpuMs?.() ?? null;
  const r = await autocannon({ url, headers, connections, duration, pipelining: 1, timeout: 10 });
  const cpu1 = cpuMs?.() ?? null;
  return {
    cpuMsPerRequest: cpu0 !== null && cpu1 !== null && r.requests.total > 0 ? Math.round(((cpu1 - cpu0) / r.requests.total) * 100) / 100 : null,
    reqPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

async function check(url: string, headers: Record<string, string>, expect: (j: any) => boolean, label: string) {
  const res = await fetch(url, { headers });
  const body = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {}
  if (res.status !== 200 || !expect(json)) throw new Error(`${label}: unexpected answer ${res.status} ${body.slice(0, 300)}`);
}

export async function throughput(
  ours: DevWorker,
  bare: DevWorker,
  seed: Seed,
  opts: { connections?: number; duration?: number; warmup?: number; rounds?: number } = {},
): Promise<ThroughputResult> {
  const connections = opts.connections ?? 8;
  const duration = opts.duration ?? 4;
  const warmup = opts.warmup ?? 2;
  const rounds = opts.rounds ?? 2;
  const auth = { authorization: `Bearer ${seed.token}` };
  const bareHeaders = { "x-workspace": seed.workspaceId };
  const cases = [
    {
      name: "GET /api/connections/{id}",
      ours: { url: `${ours.url}/api/connections/${seed.connectionId}`, headers: auth },
      bare: { url: `${bare.url}/connections/${seed.connectionId}`, headers: bareHeaders },
      expectOurs: (j: any) => j?.id === seed.connectionId,
      expectBare: (j: any) => j?.id === seed.connectionId,
    },
    {
      name: "GET /api/connections?type=postgres",
      ours: { url: `${ours.url}/api/connections?type=postgres`, headers: auth },
      bare: { url: `${bare.url}/connections?type=postgres`, headers: bareHeaders },
      expectOurs: (j: any) => j?.data?.length === 50 && typeof j.nextCursor === "string",
      expectBare: (j: any) => j?.data?.length === 50,
    },
  ];
  const cpuOf = (w: DevWorker) => {
    const pid = w.workerdPid();
    return () => {
      try {
        return pid ? cpuMsOf(pid) : null;
      } catch {
        return null;
      }
    };
  };
  const oursCpu = cpuOf(ours);
  const bareCpu = cpuOf(bare);
  const out: ThroughputCase[] = [];
  for (const c of cases) {
    await check(c.ours.url, c.ours.headers, c.expectOurs, `ours ${c.name}`);
    await check(c.bare.url, c.bare.headers, c.expectBare, `bare ${c.name}`);
    console.log(`[throughput] ${c.name}: warm-up ${warmup}s each`);
    await load(c.ours.url, c.ours.headers, connections, warmup);
    await load(c.bare.url, c.bare.headers, connections, warmup);
    const rs: Array<{ ours: LoadResult; bare: LoadResult }> = [];
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so neither always follows the other's tail.
      let o: LoadResult, b: LoadResult;
      if (i % 2 === 0) {
        o = await load(c.ours.url, c.ours.headers, connections, duration, oursCpu);
        b = await load(c.bare.url, c.bare.headers, connections, duration, bareCpu);
      } else {
        b = await load(c.bare.url, c.bare.headers, connections, duration, bareCpu);
        o = await load(c.ours.url, c.ours.headers, connections, duration, oursCpu);
      }
      console.log(`[throughput] ${c.name} round ${i + 1}: ours ${o.reqPerSec} req/s (p50 ${o.p50} ms, p99 ${o.p99} ms, ${o.cpuMsPerRequest} CPU ms/req), bare ${b.reqPerSec} req/s (p50 ${b.p50} ms, p99 ${b.p99} ms, ${b.cpuMsPerRequest} CPU ms/req)`);
      rs.push({ ours: o, bare: b });
    }
    const combine = (xs: LoadResult[]): LoadResult => ({
      reqPerSec: Math.round(xs.reduce((a, x) => a + x.reqPerSec, 0) / xs.length),
      p50: Math.max(...xs.map((x) => x.p50)),
      p99: Math.max(...xs.map((x) => x.p99)),
      requests: xs.reduce((a, x) => a + x.requests, 0),
      non2xx: xs.reduce((a, x) => a + x.non2xx, 0),
      errors: xs.reduce((a, x) => a + x.errors, 0),
      cpuMsPerRequest: xs.every((x) => x.cpuMsPerRequest !== null)
        ? Math.round((xs.reduce((a, x) => a + x.cpuMsPerRequest! * x.requests, 0) / xs.reduce((a, x) => a + x.requests, 0)) * 100) / 100
        : null,
    });
    const o = combine(rs.map((r) => r.ours));
    const b = combine(rs.map((r) => r.bare));
    out.push({ name: c.name, ours: o, bare: b, ratio: Math.round((o.reqPerSec / b.reqPerSec) * 100) / 100, rounds: rs });
  }
  return { connections, durationSec: duration, warmupSec: warmup, rounds, cases: out, budgetRatio: THROUGHPUT_BUDGET };
}
