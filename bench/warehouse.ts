// Warehouse round trips, bytes and end-to-end latency per introspection endpoint and engine, and
// bytes/memory for the large S3 files. The local servers of test/servers are started here (their
// exported start()), and a delay proxy (lib/delay-proxy.ts) sits between the Worker and each of them:
// the WebSocket proxy and the Neon HTTP server (Postgres), the Snowflake and Databricks contract
// servers, and the S3 server. Round trips are read from the servers' own counters and, uniformly,
// from the delay proxy ("turns": the client spoke after the server answered).
import { writeFileSync } from "node:fs";
import { startDelayProxy, type DelayProxy } from "./lib/delay-proxy";
import { cpuMsOf, memoryOf } from "./lib/procs";
import type { Seed } from "./lib/seed";
import type { DevWorker } from "./lib/workers";
import { onCleanup } from "./lib/procs";

export const DELAY_MS = 50;
const RTT = 2 * DELAY_MS;
const SAMPLES = 3;
const CPU_SAMPLES = 20;

type Started = { addresses: Record<string, string>; stop: () => Promise<void> };
type Call = { method: "GET" | "POST"; path: string; body?: unknown };
type Engine = {
  engine: string;
  proxy: DelayProxy;
  connectionId: string;
  serverCount: () => Promise<{ roundTrips: number; bytes?: number; log?: any[]; statements?: number }>;
  calls: Array<[string, Call]>;
  floors?: Record<string, string>; // what the protocol requires per call, where we name it
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const getJson = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
};

export async function warehouseAndFiles(ours: DevWorker, seed: Seed, want: { warehouse: boolean; files: boolean }) {
  const token = seed.writeToken;
  const api = async (call: Call) => {
    const t0 = performance.now();
    const res = await fetch(`${ours.url}${call.path}`, {
      method: call.method,
      headers: { authorization: `Bearer ${token}`, ...(call.body ? { "content-type": "application/json" } : {}) },
      body: call.body ? JSON.stringify(call.body) : undefined,
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, json, text, ms };
  };
  const create = async (path: string, body: unknown) => {
    const r = await api({ method: "POST", path, body });
    if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${r.text.slice(0, 400)}`);
    return r.json.id as string;
  };

  // ---- servers, in the order test/servers/index.ts starts them -------------------------------
  const addresses: Record<string, string> = {};
  const startServer = async (name: string, load: () => Promise<{ start: (shared: Record<string, string>) => Promise<Started> }>) => {
    const t0 = Date.now();
    const s = await (await load()).start({ ...addresses });
    Object.assign(addresses, s.addresses);
    onCleanup(() => s.stop());
    console.log(`[servers] ${name} up in ${Date.now() - t0} ms`);
  };
  const engines: Engine[] = [];
  const proxyFor = async (origin: string) => {
    const u = new URL(origin);
    const p = await startDelayProxy({ host: u.hostname, port: Number(u.port) });
    onCleanup(() => p.stop());
    return p;
  };

  await startServer("postgres", () => import("../test/servers/postgres"));
  if (want.warehouse) {
    await startServer("ws-proxy", () => import("../test/servers/ws-proxy"));
    await startServer("neon-http", () => import("../test/servers/neon-http"));
    const pgCred = await create("/api/credentials", {
      name: "bench pg",
      type: "postgres",
      method: "password",
      identity: { user: addresses.pgUser },
      secrets: { password: addresses.pgPassword },
    });
    const pgBase = { host: addresses.pgHost, port: Number(addresses.pgPort), database: addresses.pgDatabase, sslMode: "disable" };
    const pgCalls = (id: string): Array<[string, Call]> => [
      ["test", { method: "POST", path: `/api/connections/${id}/test` }],
      // Lists are read live (refresh=true); "(cached)" is the same page answered from the cache.
      ["schemas", { method: "GET", path: `/api/connections/${id}/schemas?refresh=true` }],
      ["schemas (cached)", { method: "GET", path: `/api/connections/${id}/schemas` }],
      ["tables", { method: "GET", path: `/api/connections/${id}/tables?schema=sales&refresh=true` }],
      ["columns", { method: "GET", path: `/api/connections/${id}/columns?schema=sales&table=orders&refresh=true` }],
      ["preview", { method: "GET", path: `/api/connections/${id}/preview?schema=sales&table=orders&limit=10` }],
      ["test-query", { method: "POST", path: "/api/connections/test-query", body: { connectionId: id, sql: "SELECT * FROM sales.customers", maxRows: 100 } }],
    ];

    const wsProxy = await proxyFor(addresses.wsProxyUrl!.replace(/^ws:/, "http:"));
    const wsId = await create("/api/connections", {
      name: "bench pg websocket",
      type: "postgres",
      credentialId: pgCred,
      config: { ...pgBase, transport: "websocket", webSocketProxy: `ws://${wsProxy.origin}/bench` },
    });
    engines.push({
      engine: "postgres (websocket)",
      proxy: wsProxy,
      connectionId: wsId,
      serverCount: async () => {
        const s = await getJson(`${addresses.wsProxyStatsUrl}?key=/bench`);
        return { roundTrips: s.turns, bytes: s.bytesFromClient + s.bytesFromServer };
      },
      calls: pgCalls(wsId),
      floors: { ...Object.fromEntries(pgCalls(wsId).map(([name]) => [name, "6 turns: upgrade + 3 startup/SCRAM + 1 call + Terminate (5 waits)"])), "schemas (cached)": "0 (cache)" },
    });

    // tcp: the Worker's own socket to PostgreSQL, through the delay proxy (no TLS: the proxy is local).
    const tcpProxy = await proxyFor(`http://${addresses.pgHost}:${addresses.pgPort}`);
    const tcpId = await create("/api/connections", {
      name: "bench pg tcp",
      type: "postgres",
      credentialId: pgCred,
      config: { ...pgBase, host: "127.0.0.1", port: tcpProxy.port, transport: "tcp" },
    });
    // The floor per API call on a new connection (one per call): StartupMessage, SASLInitialResponse
    // and SASLResponse each wait for the server (SCRAM-SHA-256), then the call's one batch. With TLS
    // add the SSLRequest and the TLS 1.3 handshake (2 more); the TCP handshake is not visible here.
    // Turns also count Terminate at the end, which waits for nothing: 4 waits, 5 turns.
    const tcpFloor = "5 turns: 3 startup/SCRAM + 1 call + Terminate (4 waits)";
    engines.push({
      engine: "postgres (tcp)",
      proxy: tcpProxy,
      connectionId: tcpId,
      serverCount: async () => {
        const c = tcpProxy.snapshot();
        return { roundTrips: c.turns, bytes: c.bytesUp + c.bytesDown };
      },
      calls: pgCalls(tcpId),
      floors: { ...Object.fromEntries(pgCalls(tcpId).map(([name]) => [name, tcpFloor])), "schemas (cached)": "0 (cache)" },
    });

    const neonProxy = await proxyFor(addresses.neonHttpOrigin!);
    const httpId = await create("/api/connections", {
      name: "bench pg http",
      type: "postgres",
      credentialId: pgCred,
      config: { ...pgBase, transport: "http", httpEndpoint: `http://${neonProxy.origin}/bench/sql` },
    });
    engines.push({
      engine: "postgres (http)",
      proxy: neonProxy,
      connectionId: httpId,
      serverCount: async () => ({ roundTrips: (await getJson(`${addresses.neonHttpStatsUrl}?key=/bench/sql`)).requests }),
      calls: pgCalls(httpId),
      floors: { ...Object.fromEntries(pgCalls(httpId).map(([name]) => [name, "1 request"])), "schemas (cached)": "0 (cache)" },
    });

    try {
      await startServer("snowflake", () => import("../test/servers/snowflake"));
      const proxy = await proxyFor(addresses.snowflakeEndpoint!);
      const cred = await create("/api/credentials", {
        name: "bench snowflake",
        type: "snowflake",
        method: "keyPair",
        identity: { user: addresses.snowflakeUser },
        secrets: { privateKey: addresses.snowflakePrivateKey },
      });
      const id = await create("/api/connections", {
        name: "bench snowflake",
        type: "snowflake",
        credentialId: cred,
        config: { account: addresses.snowflakeAccount, warehouse: "TEST_WH", database: "SFDEMO", role: "ANALYST", endpoint: `http://${proxy.origin}/s/bench` },
      });
      engines.push({
        engine: "snowflake",
        proxy,
        connectionId: id,
        serverCount: async () => {
          const s = await getJson(`${addresses.snowflakeEndpoint}/__control/scopes/bench`);
          return { roundTrips: s.requests.total, statements: s.computeStatements };
        },
        calls: [
          ["test", { method: "POST", path: `/api/connections/${id}/test` }],
          ["schemas", { method: "GET", path: `/api/connections/${id}/schemas?refresh=true` }],
          ["schemas (cached)", { method: "GET", path: `/api/connections/${id}/schemas` }],
          ["tables", { method: "GET", path: `/api/connections/${id}/tables?schema=SALES&refresh=true` }],
          ["columns", { method: "GET", path: `/api/connections/${id}/columns?schema=SALES&table=ORDERS&refresh=true` }],
          ["preview", { method: "GET", path: `/api/connections/${id}/preview?schema=SALES&table=ORDERS&limit=10` }],
          ["preview (wake=true)", { method: "GET", path: `/api/connections/${id}/preview?schema=SALES&table=ORDERS&limit=10&wake=true` }],
          ["test-query", { method: "POST", path: "/api/connections/test-query", body: { connectionId: id, sql: 'SELECT * FROM "SALES"."CUSTOMERS"', maxRows: 100 } }],
          ["test-query (wake=true)", { method: "POST", path: "/api/connections/test-query", body: { connectionId: id, sql: 'SELECT * FROM "SALES"."CUSTOMERS"', maxRows: 100, wake: true } }],
        ],
        floors: {
          test: "1 RTT: 3 statements sent together, none needs a warehouse",
          schemas: "1 request (SHOW SCHEMAS)",
          "schemas (cached)": "0 (cache)",
          tables: "1 RTT: SHOW TABLES + SHOW VIEWS together",
          columns: "1 request (SHOW COLUMNS)",
          preview: "2: warehouse state, then the statement",
          "preview (wake=true)": "1 request",
          "test-query": "2: warehouse state, then the statement",
          "test-query (wake=true)": "1 request",
        },
      });
    } catch (e) {
      console.error(`[servers] snowflake skipped: ${(e as Error).message}`);
    }

    try {
      await startServer("databricks", () => import("../test/servers/databricks"));
      const proxy = await proxyFor(addresses.databricksEndpoint!);
      const cred = await create("/api/credentials", {
        name: "bench databricks",
        type: "databricks",
        method: "personalAccessToken",
        identity: {},
        secrets: { token: addresses.databricksPat },
      });
      const id = await create("/api/connections", {
        name: "bench databricks",
        type: "databricks",
        credentialId: cred,
        config: { host: addresses.databricksHost, warehouseId: addresses.databricksWarehouseId, catalog: "main", schema: "sales", endpoint: `http://${proxy.origin}/s/bench` },
      });
      engines.push({
        engine: "databricks",
        proxy,
        connectionId: id,
        serverCount: async () => {
          const s = await getJson(`${addresses.databricksEndpoint}/s/bench/__test/stats`);
          return { roundTrips: s.total ?? 0, statements: s.execute ?? 0 };
        },
        calls: [
          ["test", { method: "POST", path: `/api/connections/${id}/test` }],
          ["catalogs", { method: "GET", path: `/api/connections/${id}/catalogs?refresh=true` }],
          ["schemas", { method: "GET", path: `/api/connections/${id}/schemas?catalog=main&refresh=true` }],
          ["tables", { method: "GET", path: `/api/connections/${id}/tables?catalog=main&schema=sales&refresh=true` }],
          ["tables (cached)", { method: "GET", path: `/api/connections/${id}/tables?catalog=main&schema=sales` }],
          ["columns", { method: "GET", path: `/api/connections/${id}/columns?catalog=main&schema=sales&table=orders&refresh=true` }],
          ["preview", { method: "GET", path: `/api/connections/${id}/preview?catalog=main&schema=sales&table=orders&limit=10` }],
          ["preview (wake=true)", { method: "GET", path: `/api/connections/${id}/preview?catalog=main&schema=sales&table=orders&limit=10&wake=true` }],
          ["test-query", { method: "POST", path: "/api/connections/test-query", body: { connectionId: id, sql: "SELECT * FROM main.sales.orders", maxRows: 100 } }],
          ["test-query (wake=true)", { method: "POST", path: "/api/connections/test-query", body: { connectionId: id, sql: "SELECT * FROM main.sales.orders", maxRows: 100, wake: true } }],
        ],
        floors: {
          test: "1 RTT: warehouse state + one Unity Catalog page together, no statement",
          catalogs: "1 request",
          schemas: "1 request",
          tables: "1 request per Unity Catalog page",
          "tables (cached)": "0 (cache)",
          columns: "1 request",
          preview: "2: warehouse state, then the statement",
          "preview (wake=true)": "1 request",
          "test-query": "2: warehouse state, then the statement",
          "test-query (wake=true)": "1 request",
        },
      });
    } catch (e) {
      console.error(`[servers] databricks skipped: ${(e as Error).message}`);
    }
  }

  // S3 serves both parts (it generates its ~55 MB fixtures once, cached in the temp dir).
  let s3: { proxy: DelayProxy; id: string; akid: string } | null = null;
  try {
    await startServer("s3", () => import("../test/servers/s3"));
    const proxy = await proxyFor(addresses.s3Endpoint!);
    // A key pair of our own, so the server's per-key counters hold only this benchmark's requests.
    const key = await getJson(`${addresses.s3StatsUrl}/keys`, { method: "POST" });
    const cred = await create("/api/credentials", {
      name: "bench s3",
      type: "s3",
      method: "accessKey",
      identity: { accessKeyId: key.accessKeyId },
      secrets: { secretAccessKey: key.secretAccessKey },
    });
    const id = await create("/api/connections", {
      name: "bench s3",
      type: "s3",
      credentialId: cred,
      config: { bucket: addresses.s3Bucket, region: addresses.s3Region, endpoint: `http://${proxy.origin}`, addressing: "path", prefix: "data/" },
    });
    s3 = { proxy, id, akid: key.accessKeyId };
    const stats = async () => getJson(`${addresses.s3StatsUrl}/stats?akid=${encodeURIComponent(key.accessKeyId)}`);
    engines.push({
      engine: "s3",
      proxy,
      connectionId: id,
      serverCount: async () => {
        const s = await stats();
        return { roundTrips: s.requests, bytes: s.bytes, log: s.log };
      },
      calls: [
        ["test", { method: "POST", path: `/api/connections/${id}/test` }],
        ["files", { method: "GET", path: `/api/connections/${id}/files?path=csv/` }],
        ["cloud-schema (parquet)", { method: "GET", path: `/api/connections/${id}/cloud-schema?path=parquet/types-snappy.parquet` }],
        ["cloud-schema (csv)", { method: "GET", path: `/api/connections/${id}/cloud-schema?path=csv/simple.csv` }],
        ["preview (parquet)", { method: "GET", path: `/api/connections/${id}/preview?table=parquet/types-snappy.parquet&limit=10` }],
        ["preview (csv)", { method: "GET", path: `/api/connections/${id}/preview?table=csv/simple.csv&limit=10` }],
      ],
      floors: {
        test: "2: the listing names the object whose first byte is read",
        files: "1 request per listing page",
        "cloud-schema (parquet)": "1 suffix GET (footer within 64 KB)",
        "cloud-schema (csv)": "1 ranged GET",
        "preview (parquet)": "1 GET for a small file",
        "preview (csv)": "1 ranged GET",
      },
    });
  } catch (e) {
    console.error(`[servers] s3 skipped: ${(e as Error).message}`);
  }

  // Lakehouse catalogs: the Iceberg contract server (R2 personality, bearer) and the Glue contract
  // server, behind delay proxies; their data files are read from the S3 server (not proxied: the
  // preview's own `requests` count says how many storage GETs it made).
  if (want.warehouse && s3) {
    try {
      await startServer("iceberg", () => import("../test/servers/iceberg"));
      const proxy = await proxyFor(addresses.icebergEndpoint!);
      const cred = await create("/api/credentials", { name: "bench iceberg", type: "iceberg", method: "bearer", identity: {}, secrets: { token: addresses.icebergBearer } });
      const id = await create("/api/connections", {
        name: "bench iceberg",
        type: "iceberg",
        credentialId: cred,
        config: { catalogUri: `http://${proxy.origin}/r2/bench`, warehouse: addresses.icebergR2Warehouse },
      });
      engines.push({
        engine: "iceberg",
        proxy,
        connectionId: id,
        serverCount: async () => ({ roundTrips: (await getJson(`${addresses.icebergEndpoint}/r2/bench/__test/stats`)).total ?? 0 }),
        calls: [
          ["test", { method: "POST", path: `/api/connections/${id}/test` }],
          ["catalogs", { method: "GET", path: `/api/connections/${id}/catalogs` }],
          ["schemas", { method: "GET", path: `/api/connections/${id}/schemas` }],
          ["tables", { method: "GET", path: `/api/connections/${id}/tables?schema=sales` }],
          ["columns", { method: "GET", path: `/api/connections/${id}/columns?schema=sales&table=orders` }],
          ["preview", { method: "GET", path: `/api/connections/${id}/preview?schema=sales&table=payments&limit=10` }],
        ],
      });
      await startServer("glue", () => import("../test/servers/glue"));
      const glueProxy = await proxyFor(addresses.glueEndpoint!);
      const glueCred = await create("/api/credentials", {
        name: "bench glue",
        type: "glue",
        method: "accessKey",
        identity: { accessKeyId: addresses.s3AccessKeyId },
        secrets: { secretAccessKey: addresses.s3SecretAccessKey },
      });
      const glueId = await create("/api/connections", {
        name: "bench glue",
        type: "glue",
        credentialId: glueCred,
        config: { region: addresses.glueRegion, endpoint: `http://${glueProxy.origin}/s/bench`, s3Endpoint: addresses.s3Endpoint, s3Addressing: "path" },
      });
      engines.push({
        engine: "glue",
        proxy: glueProxy,
        connectionId: glueId,
        serverCount: async () => ({ roundTrips: (await getJson(`${addresses.glueEndpoint}/s/bench/__test/stats`)).total ?? 0 }),
        calls: [
          ["test", { method: "POST", path: `/api/connections/${glueId}/test` }],
          ["catalogs", { method: "GET", path: `/api/connections/${glueId}/catalogs` }],
          ["schemas", { method: "GET", path: `/api/connections/${glueId}/schemas` }],
          ["tables", { method: "GET", path: `/api/connections/${glueId}/tables?schema=sales` }],
          ["columns", { method: "GET", path: `/api/connections/${glueId}/columns?schema=sales&table=orders_iceberg` }],
          ["preview (parquet)", { method: "GET", path: `/api/connections/${glueId}/preview?schema=sales&table=orders_parquet&limit=10` }],
        ],
      });
    } catch (e) {
      console.error(`[servers] lakehouse skipped: ${(e as Error).message}`);
    }
  }

  const out: Record<string, unknown> = {};
  // Large files first, while the workerd process has not yet grown for other calls (its memory is
  // measured as growth of the resident set, which pages already resident would hide).
  if (want.files) {
    if (!s3) throw new Error("files: the S3 server did not start");
    out.files = await largeFiles(ours, s3, addresses, api);
  }
  if (want.warehouse) {
    const rows: any[] = [];
    for (const e of engines) {
      for (const [endpoint, call] of e.calls) {
        const row: any = { engine: e.engine, endpoint, status: "", ...(e.floors?.[endpoint] ? { floor: e.floors[endpoint] } : {}) };
        rows.push(row);
        try {
          e.proxy.setDelay(0);
          const warm = await api(call);
          row.status = warm.status;
          if (warm.status !== 200) {
            row.status = `${warm.status} ${warm.json?.code ?? ""}`.trim();
            row.detail = warm.text.slice(0, 300);
            console.log(`[warehouse] ${e.engine} ${endpoint}: ${warm.status} ${warm.text.slice(0, 200)}`);
            Object.assign(row, { serverRoundTrips: null, proxyTurns: "-", proxyConnections: "-", bytesUp: "-", bytesDown: "-", msNoDelay: "-", msDelayed: "-", rttMultiple: "-" });
            continue;
          }
          if (endpoint === "test") row.ok = warm.json?.ok;
          // One counted call (no delay), then timings without and with the delay.
          const s0 = await e.serverCount();
          const p0 = e.proxy.snapshot();
          await api(call);
          const s1 = await e.serverCount();
          const p1 = e.proxy.snapshot();
          row.serverRoundTrips = s1.roundTrips - s0.roundTrips;
          if (s1.statements !== undefined && s0.statements !== undefined) row.warehouseStatements = s1.statements - s0.statements;
          if (s1.bytes !== undefined && s0.bytes !== undefined) row.serverBytes = s1.bytes - s0.bytes;
          if (s1.log && s0.log) {
            // The server's log is grouped by object, not in time order: take the multiset difference.
            const fmt = (l: any) => `${l.method} ${l.path} range=${l.range ?? "-"} -> ${l.status} ${l.bytes} bytes`;
            const seen = new Map<string, number>();
            for (const l of s0.log) seen.set(fmt(l), (seen.get(fmt(l)) ?? 0) + 1);
            row.serverLog = s1.log.map(fmt).filter((x: string) => {
              const n = seen.get(x) ?? 0;
              if (n > 0) seen.set(x, n - 1);
              return n === 0;
            });
          }
          row.proxyTurns = p1.turns - p0.turns;
          row.proxyConnections = p1.connections - p0.connections;
          row.bytesUp = p1.bytesUp - p0.bytesUp;
          row.bytesDown = p1.bytesDown - p0.bytesDown;
          if (row.serverLog?.length) console.log(`[warehouse] ${e.engine} ${endpoint} requests: ${row.serverLog.join("; ")}`);
          const plain: number[] = [];
          for (let i = 0; i < SAMPLES; i++) plain.push((await api(call)).ms);
          // The Worker's workerd process CPU per undelayed call (local D1 included), over enough calls
          // that the 10 ms clock ticks of /proc do not dominate: a cached answer against a live one.
          const pid = ours.workerdPid();
          if (pid) {
            const cpu0 = cpuMsOf(pid);
            for (let i = 0; i < CPU_SAMPLES; i++) await api(call);
            row.workerCpuMs = Math.round(((cpuMsOf(pid) - cpu0) / CPU_SAMPLES) * 10) / 10;
          }
          e.proxy.setDelay(DELAY_MS);
          const delayed: number[] = [];
          const statuses = new Set<number>();
          for (let i = 0; i < SAMPLES; i++) {
            const r = await api(call);
            statuses.add(r.status);
            delayed.push(r.ms);
          }
          e.proxy.setDelay(0);
          row.msNoDelay = Math.round(median(plain));
          row.msDelayed = Math.round(median(delayed));
          row.rttMultiple = Math.round((median(delayed) / RTT) * 10) / 10;
          row.addedRtts = Math.round(((median(delayed) - median(plain)) / RTT) * 10) / 10;
          if (statuses.size !== 1 || !statuses.has(200)) row.status = `delayed: ${[...statuses].join(",")}`;
          console.log(
            `[warehouse] ${e.engine} ${endpoint}: ${row.serverRoundTrips} server round trips, ${row.proxyTurns} turns, ${row.proxyConnections} new conns, ${row.msNoDelay} ms -> ${row.msDelayed} ms (${row.rttMultiple}x RTT)`,
          );
        } catch (err) {
          e.proxy.setDelay(0);
          row.status = `error: ${(err as Error).message.slice(0, 200)}`;
          console.log(`[warehouse] ${e.engine} ${endpoint}: ${row.status}`);
        }
      }
    }
    out.warehouse = { delayMs: DELAY_MS, rttMs: RTT, samples: SAMPLES, cpuSamples: CPU_SAMPLES, rows };
  }

  return out;
}

// Bytes read (at the S3 server) and workerd memory for preview and schema inference of the large
// fixtures. Memory: the Linux VmHWM of the workerd process is reset (clear_refs 5) right before a
// call, and its growth over the RSS before the call is reported. That is the whole process (all
// isolates, allocator caches), not the Worker's isolate heap, which is not visible from outside.
async function largeFiles(ours: DevWorker, s3: { proxy: DelayProxy; id: string; akid: string }, addresses: Record<string, string>, api: (c: Call) => Promise<any>) {
  s3.proxy.setDelay(0);
  const pid = ours.workerdPid();
  console.log(`[files] workerd process of our Worker: ${pid ?? "not found"}`);
  const canReset = (() => {
    if (!pid) return false;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, "5");
      return true;
    } catch {
      return false;
    }
  })();
  const listing = await api({ method: "GET", path: `/api/connections/${s3.id}/files?path=big/` });
  const csvListing = await api({ method: "GET", path: `/api/connections/${s3.id}/files?path=csv/` });
  const sizes = new Map<string, number>();
  for (const f of [...(listing.json?.data ?? []), ...(csvListing.json?.data ?? [])]) sizes.set(String(f.path ?? f.key ?? f.name), Number(f.size));
  const sizeOf = (p: string) => sizes.get(p) ?? sizes.get(`data/${p}`) ?? sizes.get(p.split("/").pop()!) ?? NaN;
  const files = ["big/big.parquet", "big/wide.parquet", "csv/big.csv", "csv/big.csv.gz"];
  const rows: any[] = [];
  for (const file of files) {
    for (const [callName, call] of [
      ["cloud-schema", { method: "GET", path: `/api/connections/${s3.id}/cloud-schema?path=${encodeURIComponent(file)}` }],
      ["preview 100 rows", { method: "GET", path: `/api/connections/${s3.id}/preview?table=${encodeURIComponent(file)}&limit=100` }],
    ] as Array<[string, Call]>) {
      const statsUrl = `${addresses.s3StatsUrl}/stats?akid=${encodeURIComponent(s3.akid)}&key=${encodeURIComponent(`${addresses.s3Bucket}/data/${file}`)}`;
      const before = await getJson(statsUrl);
      const mem0 = pid ? memoryOf(pid) : null;
      if (canReset) writeFileSync(`/proc/${pid}/clear_refs`, "5");
      const r = await api(call);
      const mem1 = pid ? memoryOf(pid) : null;
      const after = await getJson(statsUrl);
      const size = sizeOf(file);
      const bytes = after.bytes - before.bytes;
      const row = {
        file,
        size,
        call: callName,
        status: r.status === 200 ? 200 : `${r.status} ${r.json?.code ?? ""} ${r.json?.detail ?? ""}`.slice(0, 160),
        requests: after.requests - before.requests,
        ranges: after.log.slice(before.log.length).map((l: any) => `${l.method} ${l.range ?? "(whole)"} -> ${l.status} ${l.bytes}`),
        bytes,
        percent: Number.isFinite(size) ? `${((bytes / size) * 100).toFixed(2)}%` : "n/a",
        ms: Math.round(r.ms),
        rssBeforeMiB: mem0 ? Math.round(mem0.rssKb / 102.4) / 10 : null,
        peakRssDeltaMiB: mem0 && mem1 && canReset ? Math.round((mem1.hwmKb - mem0.rssKb) / 102.4) / 10 : null,
        rssAfterMiB: mem1 ? Math.round(mem1.rssKb / 102.4) / 10 : null,
      };
      rows.push(row);
      console.log(`[files] ${file} ${callName}: ${row.status}, ${row.requests} GETs, ${bytes} bytes (${row.percent}), ${row.ms} ms, workerd peak RSS +${row.peakRssDeltaMiB} MiB`);
    }
  }
  return { memory: canReset ? "workerd process VmHWM (reset before each call) minus VmRSS before the call" : "unavailable (cannot reset VmHWM)", rows };
}
