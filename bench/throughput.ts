// CPU per request and throughput of authenticated GET /api/connections/{id} and GET /api/connections?type=
// against the bare Hono + D1 worker answering the same single query, all under `wrangler dev` on the
// same machine, in the same run, with autocannon's programmatic API after a warm-up.
//
// All Workers are loaded at the same time in each round (bench/lib/paired-load.ts), so a change in
// the machine's speed hits them alike; the ratio is the bare worker's workerd CPU per request over
// ours, per round, and its median is reported (at saturation, the throughput ratio). Besides the bare
// worker, three variants of it make the platform calls our behaviours need, one more each: the rate
// limiter (one call of the binding per request), the API key's row read in the same D1 batch, and the
// read through a D1 session with its bookmark answered (replica reads, read-your-writes). Locally the
// limiter and D1 are simulated inside the same workerd process (the limiter as a SQLite-backed Durable
// Object, D1 as another), so their CPU counts here; the last variant is the floor for a Worker that
// rate-limits, checks keys stored in D1 and reads through sessions, and ours over it is the cost of
// our own code.
import { parseApiKey } from "../src/lib/api-keys";
import { pairedLoad, type LoadResult } from "./lib/paired-load";
import type { DevWorker } from "./lib/workers";
import type { Seed } from "./lib/seed";

export type { LoadResult };
export type Baseline = "bare" | "bareLimiter" | "bareLimiterKey" | "floor";
export const BASELINES: Record<Baseline, string> = {
  bare: "bare Hono + D1",
  bareLimiter: "bare + rate limiter",
  bareLimiterKey: "bare + rate limiter + key row in the batch",
  floor: "the same through a D1 session, bookmark answered (the floor)",
};
export type ThroughputCase = {
  name: string;
  results: Record<"ours" | Baseline, LoadResult>;
  ratios: Record<Baseline, number>;
  ratioRanges: Record<Baseline, [number, number]>;
};
export type ThroughputResult = { connections: number; durationSec: number; warmupSec: number; rounds: number; cases: ThroughputCase[]; budgetRatio: number; method: string };

export const THROUGHPUT_BUDGET = 0.8;

async function check(url: string, headers: Record<string, string>, expect: (j: any) => boolean, label: string) {
  const res = await fetch(url, { headers });
  const body = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {}
  if (res.status !== 200 || !expect(json)) throw new Error(`${label}: unexpected answer ${res.status} ${body.slice(0, 300)}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (n: number) => Math.round(n * 100) / 100;

function combine(label: string, xs: LoadResult[]): LoadResult {
  const requests = xs.reduce((a, x) => a + x.requests, 0);
  return {
    label,
    reqPerSec: Math.round(xs.reduce((a, x) => a + x.reqPerSec, 0) / xs.length),
    p50: median(xs.map((x) => x.p50)),
    p99: Math.max(...xs.map((x) => x.p99)),
    requests,
    non2xx: xs.reduce((a, x) => a + x.non2xx, 0),
    errors: xs.reduce((a, x) => a + x.errors, 0),
    cpuMsPerRequest: xs.every((x) => x.cpuMsPerRequest !== null) ? round2(xs.reduce((a, x) => a + x.cpuMsPerRequest! * x.requests, 0) / requests) : null,
  };
}

export async function throughput(
  ours: DevWorker,
  baselines: Record<Baseline, DevWorker>,
  seed: Seed,
  opts: { connections?: number; duration?: number; warmup?: number; rounds?: number } = {},
): Promise<ThroughputResult> {
  const connections = opts.connections ?? 8;
  const duration = opts.duration ?? 4;
  const warmup = opts.warmup ?? 2;
  const rounds = opts.rounds ?? 5;
  const keyId = parseApiKey(seed.token)!.keyId;
  const auth = { authorization: `Bearer ${seed.token}` };
  const bareHeaders = { "x-workspace": seed.workspaceId, "x-key": keyId };
  const cases = [
    {
      name: "GET /api/connections/{id}",
      ours: `/api/connections/${seed.connectionId}`,
      bare: `/connections/${seed.connectionId}`,
      expect: (j: any) => j?.id === seed.connectionId,
    },
    {
      name: "GET /api/connections?type=postgres",
      ours: "/api/connections?type=postgres",
      bare: "/connections?type=postgres",
      expect: (j: any) => j?.data?.length === 50 && typeof j.nextCursor === "string",
    },
  ];
  const names = Object.keys(BASELINES) as Baseline[];
  const out: ThroughputCase[] = [];
  for (const c of cases) {
    const targets = [
      { label: "ours", worker: ours, url: ours.url + c.ours, headers: auth },
      ...names.map((n) => ({ label: n, worker: baselines[n], url: baselines[n].url + c.bare, headers: bareHeaders })),
    ];
    for (const t of targets) await check(t.url, t.headers, c.expect, `${t.label} ${c.name}`);
    console.log(`[throughput] ${c.name}: warm-up ${warmup}s`);
    await pairedLoad(targets, connections, warmup);
    const perRound: LoadResult[][] = [];
    for (let i = 0; i < rounds; i++) {
      const r = await pairedLoad(targets, connections, duration);
      perRound.push(r);
      console.log(`[throughput] ${c.name} round ${i + 1}: ${r.map((x) => `${x.label} ${x.reqPerSec} req/s ${x.cpuMsPerRequest} CPU ms/req`).join(", ")}`);
    }
    const byLabel = (label: string) => perRound.map((r) => r.find((x) => x.label === label)!);
    const oursRounds = byLabel("ours");
    const ratioRounds = (n: Baseline) => byLabel(n).map((b, i) => b.cpuMsPerRequest! / oursRounds[i]!.cpuMsPerRequest!);
    out.push({
      name: c.name,
      results: Object.fromEntries(["ours", ...names].map((l) => [l, combine(l, byLabel(l))])) as ThroughputCase["results"],
      ratios: Object.fromEntries(names.map((n) => [n, round2(median(ratioRounds(n)))])) as ThroughputCase["ratios"],
      ratioRanges: Object.fromEntries(names.map((n) => [n, [round2(Math.min(...ratioRounds(n))), round2(Math.max(...ratioRounds(n)))]])) as ThroughputCase["ratioRanges"],
    });
  }
  return {
    connections,
    durationSec: duration,
    warmupSec: warmup,
    rounds,
    cases: out,
    budgetRatio: THROUGHPUT_BUDGET,
    method: "all Workers loaded at once each round; ratio = baseline workerd CPU per request / ours, median of the rounds",
  };
}
