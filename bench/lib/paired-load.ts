// Loads several Workers at the same time with autocannon, one instance each, and reads each Worker's
// workerd CPU time over the same window. Measured together, a change in the machine's speed during
// a round affects every Worker alike, so their ratio is steadier than that of runs one after another.
import { createRequire } from "node:module";
import { cpuMsOf } from "./procs";
import type { DevWorker } from "./workers";

const autocannon = createRequire(import.meta.url)("autocannon") as (opts: Record<string, unknown>) => Promise<any>;

export type Target = { label: string; worker: DevWorker; url: string; headers: Record<string, string> };
export type LoadResult = { label: string; reqPerSec: number; p50: number; p99: number; requests: number; non2xx: number; errors: number; cpuMsPerRequest: number | null };

const cpuNow = (w: DevWorker) => {
  const pid = w.workerdPid();
  try {
    return pid ? cpuMsOf(pid) : null;
  } catch {
    return null;
  }
};

export async function pairedLoad(targets: Target[], connections: number, duration: number): Promise<LoadResult[]> {
  const cpu0 = targets.map((t) => cpuNow(t.worker));
  const runs = await Promise.all(targets.map((t) => autocannon({ url: t.url, headers: t.headers, connections, duration, pipelining: 1, timeout: 10 })));
  const cpu1 = targets.map((t) => cpuNow(t.worker));
  return targets.map((t, i) => {
    const r = runs[i]!;
    const c0 = cpu0[i];
    const c1 = cpu1[i];
    return {
      label: t.label,
      cpuMsPerRequest: c0 != null && c1 != null && r.requests.total > 0 ? Math.round(((c1 - c0) / r.requests.total) * 1000) / 1000 : null,
      reqPerSec: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      requests: r.requests.total,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
    };
  });
}
