// Renders the results as Markdown tables (printed at the end of a run; the README shows the same).
type Any = any;

const md = (head: string[], rows: Array<Array<string | number>>) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

export function renderTables(machine: Any, r: Record<string, Any>): string {
  const out: string[] = [];
  out.push(
    `${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, workerd ${machine.workerd} (wrangler ${machine.wrangler} dev, local). ` +
      Object.entries(r)
        .map(([k, v]: [string, Any]) => `${k}: ${v.date ?? machine.date} (load average ${(v.loadAverageAtStart ?? machine.loadAverageAtStart).join(" / ")})`)
        .join("; "),
  );
  if (r.bundle) {
    const b = r.bundle;
    out.push("\n**Bundle** (`wrangler deploy --dry-run --minify`)\n");
    out.push(
      md(
        ["minified", "gzip (wrangler)", "gzip -9 (measured)", "budget", "aim", "within budget"],
        [[`${(b.minifiedBytes / 1024).toFixed(1)} KiB`, `${b.wranglerGzipKiB} KiB`, `${b.gzipKiB} KiB`, `<= ${b.budgetKiB} KiB`, `${b.targetKiB} KiB`, b.withinBudget ? "yes" : "**no**"]],
      ),
    );
    if (b.topPackages?.length) out.push(`\nLargest contributors (minified, from the source map): ${b.topPackages.map((p: Any) => `${p.name} ${p.minifiedKiB} KiB`).join(", ")}`);
  }
  if (r.startup) {
    const st = r.startup;
    out.push(`\n**Startup** (\`wrangler check startup\`, ${st.runs} runs, the median by the Worker's CPU: its script's top level, inclusive, plus garbage collection and V8's native work; run locally)\n`);
    out.push(
      md(
        ["Worker CPU ms", "top level / GC / program ms", "Worker CPU of the runs", "profile span ms", "budget", "within budget"],
        [[st.workerMs, `${st.topLevelMs} / ${st.gcMs} / ${st.programMs}`, st.workerMsOfRuns.join(", "), st.spanMs, `<= ${st.budgetMs} ms`, st.workerMs <= st.budgetMs ? "yes" : "**no**"]],
      ),
    );
    out.push(`\nMost self time (median run): ${st.topFunctions.map((f: Any) => `${f.name} ${f.selfMs} ms`).join(", ")}\n`);
  }
  if (r.throughput) {
    const t = r.throughput;
    out.push(
      `\n**Throughput** (autocannon, ${t.connections} connections per Worker, all Workers loaded at once in each of ${t.rounds} rounds of ${t.durationSec} s after a ${t.warmupSec} s warm-up; ratio = the baseline's workerd CPU per request over ours, median of the rounds (range); budget ratio >= ${t.budgetRatio} against the bare worker)\n`,
    );
    const ratio = (c: Any, n: string) => {
      const v = c.ratios[n];
      const [lo, hi] = c.ratioRanges[n];
      return `${v >= t.budgetRatio ? v : `**${v}**`} (${lo}–${hi})`;
    };
    out.push(
      md(
        ["endpoint", "ours req/s", "ours p50 / p99 ms", "workerd CPU ms/req: ours / bare / +limiter / +key row / +session (floor)", "ratio vs bare", "vs bare + limiter", "vs + key row", "vs the floor (+ session)", "non-2xx / errors"],
        t.cases.map((c: Any) => {
          const x = c.results;
          const all = Object.values(x) as Any[];
          return [
            c.name,
            x.ours.reqPerSec,
            `${x.ours.p50} / ${x.ours.p99}`,
            `${x.ours.cpuMsPerRequest} / ${x.bare.cpuMsPerRequest} / ${x.bareLimiter.cpuMsPerRequest} / ${x.bareLimiterKey.cpuMsPerRequest} / ${x.floor.cpuMsPerRequest}`,
            ratio(c, "bare"),
            ratio(c, "bareLimiter"),
            ratio(c, "bareLimiterKey"),
            ratio(c, "floor"),
            `${all.reduce((a, y) => a + y.non2xx, 0)} / ${all.reduce((a, y) => a + y.errors, 0)}`,
          ];
        }),
      ),
    );
  }
  if (r.warehouse) {
    const w = r.warehouse;
    out.push(
      `\n**Warehouse round trips and latency** (${w.delayMs} ms added each way by a TCP proxy = ${w.rttMs} ms RTT; latency is the median of ${w.samples} calls on a warm isolate, as a multiple of the RTT)\n`,
    );
    out.push(
      md(
        ["engine", "endpoint", "round trips (server)", "turns (proxy)", "floor", "warehouse statements", "new TCP conns", "bytes up / down", "ms, no delay", "Worker CPU ms", "ms, with delay", "x RTT", "added RTTs", "status"],
        w.rows.map((x: Any) => [
          x.engine,
          x.endpoint,
          x.serverRoundTrips ?? "-",
          x.proxyTurns,
          x.floor ?? "-",
          x.warehouseStatements ?? "-",
          x.proxyConnections,
          `${x.bytesUp} / ${x.bytesDown}`,
          x.msNoDelay,
          x.workerCpuMs ?? "-",
          x.msDelayed,
          x.rttMultiple,
          x.addedRtts ?? "-",
          x.status,
        ]),
      ),
    );
  }
  if (r.files) {
    const f = r.files;
    out.push(
      `\n**Large files on S3** (bytes counted at the S3 server; memory is the workerd process RSS high-water mark increase during the call, reset before it, not the isolate heap)\n`,
    );
    out.push(
      md(
        ["file", "size", "call", "GET requests", "bytes read", "% of file", "ms", "workerd peak RSS +MiB", "status"],
        f.rows.map((x: Any) => [x.file, `${(x.size / 2 ** 20).toFixed(1)} MiB`, x.call, x.requests, x.bytes, x.percent, x.ms, x.peakRssDeltaMiB ?? "n/a", x.status]),
      ),
    );
  }
  return out.join("\n");
}
