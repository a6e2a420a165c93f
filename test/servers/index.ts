// The registry of local servers started for a test run. Each entry starts its server(s) on
// loopback and returns named addresses plus a stop function. Add a line per server module.
export type Started = { addresses: Record<string, string>; stop: () => Promise<void> };
type Starter = (shared: Record<string, string>) => Promise<Started>;

const STARTERS: Array<[string, () => Promise<{ start: Starter }>]> = [
  ["postgres", () => import("./postgres")],
  ["snowflake", () => import("./snowflake")],
  ["databricks", () => import("./databricks")],
  ["wsProxy", () => import("./ws-proxy")],
  ["tcpProxy", () => import("./tcp-proxy")],
  ["pgFake", () => import("./pg-fake")],
  ["pgbouncer", () => import("./pgbouncer")],
  ["neonHttp", () => import("./neon-http")],
  ["jwks", () => import("./jwks")],
  ["httpFixture", () => import("./http-fixture")],
  ["s3", () => import("./s3")],
  ["iceberg", () => import("./iceberg")], // after s3: vends its credentials for data files
  ["glue", () => import("./glue")], // after s3: its Iceberg metadata lives there
  ["recorder", () => import("./recorder")],
];

export async function startAll(): Promise<Started> {
  const addresses: Record<string, string> = {};
  const stops: Array<() => Promise<void>> = [];
  try {
    // In order: later servers may use earlier ones' addresses (contract servers use PostgreSQL).
    // TEST_SERVERS=postgres,s3 starts only those (for a quick run of one area); default: all.
    const only = process.env.TEST_SERVERS?.split(",").map((s) => s.trim());
    for (const [name, load] of STARTERS) {
      if (only && !only.includes(name)) continue;
      const events = ["beforeExit", "exit"];
      const emitter = process as unknown as NodeJS.EventEmitter;
      const hooks = new Set(events.flatMap((e) => emitter.listeners(e)));
      const mod = await load();
      // A library's exit hooks (async-exit-hook, for one, calls process.exit(0) on beforeExit) could
      // turn a failed run's exit code into 0. Teardown stops every server anyway, so the hooks that
      // importing a server module added are dropped.
      for (const e of events) for (const l of emitter.listeners(e)) if (!hooks.has(l)) emitter.removeListener(e, l as () => void);
      const started = await mod.start({ ...addresses });
      Object.assign(addresses, started.addresses);
      stops.push(started.stop);
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw err;
  }
  return {
    addresses,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch((e) => console.error("stop failed", e));
    },
  };
}
