import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import pg from "pg";
import { parseArrayLiteral } from "../../src/connectors/postgres/pg-text";
import type { Started } from "./index";

// Contract server for Neon's SQL-over-HTTP endpoint (the wire format @neondatabase/serverless's neon() speaks),
// executing on the real embedded PostgreSQL with the credentials of the Neon-Connection-String header.
// Route: POST <any prefix>/sql (the prefix is the key of the per-endpoint counters: GET /stats?key=/t/x/sql).
// A path segment /delay-<ms> delays each response (for benchmarks).
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const ISOLATION: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

export type NeonStats = {
  requests: number;
  batches: number;
  queries: number;
  errors: number;
  lastBatchHeaders: Record<string, string> | null;
  lastStatements: string[];
};
const empty = (): NeonStats => ({
  requests: 0,
  batches: 0,
  queries: 0,
  errors: 0,
  lastBatchHeaders: null,
  lastStatements: [],
});

type PgError = Error & Record<string, unknown>;
const ERROR_FIELDS = [
  "code", "detail", "hint", "position", "internalPosition", "internalQuery", "severity", "where",
  "table", "column", "schema", "dataType", "constraint", "file", "line", "routine",
] as const;

function errorBody(message: string, dbError?: PgError) {
  const body: Record<string, unknown> = { message };
  for (const f of ERROR_FIELDS) body[f] = dbError ? (dbError[f] ?? null) : null;
  if (!dbError) {
    body.code = "";
    body.severity = "";
  }
  return body;
}

// Conversion done by the proxy when Neon-Raw-Text-Output is not exactly "true".
function convert(value: string | null, oid: number): unknown {
  if (value === null) return null;
  switch (oid) {
    case 16:
      return value === "t";
    case 21:
    case 23:
    case 26:
      return Number(value);
    case 700:
    case 701: {
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    case 114:
    case 3802:
      return JSON.parse(value);
  }
  const elem = ARRAY_ELEMENTS[oid];
  if (elem !== undefined) {
    const walk = (v: unknown): unknown => (Array.isArray(v) ? v.map(walk) : convert(v as string | null, elem));
    return walk(parseArrayLiteral(value));
  }
  return value;
}
const ARRAY_ELEMENTS: Record<number, number> = {
  1000: 16, 1005: 21, 1007: 23, 1016: 20, 1021: 700, 1022: 701, 1231: 1700, 1009: 25, 1015: 1043,
  199: 114, 3807: 3802, 2951: 2950, 1182: 1082, 1115: 1114, 1185: 1184,
};

type QueryIn = { query: string; params?: unknown[]; arrayMode?: boolean };

function toParam(p: unknown): string | null {
  if (p === null || p === undefined) return null;
  if (typeof p === "string") return p;
  if (Array.isArray(p)) {
    const items = p.map((x) => {
      const v = toParam(x);
      return v === null ? "NULL" : `"${v.replace(/[\\"]/g, (c) => "\\" + c)}"`;
    });
    return `{${items.join(",")}}`;
  }
  if (typeof p === "object") return JSON.stringify(p);
  return String(p);
}

export async function start(shared: Record<string, string>): Promise<Started> {
  const pgHost = shared.pgHost;
  const pgPort = Number(shared.pgPort);
  if (!pgHost || !pgPort) throw new Error("neonHttp needs the postgres server (start it first)");
  const stats = new Map<string, NeonStats>();
  const statsFor = (key: string) => {
    let s = stats.get(key);
    if (!s) stats.set(key, (s = empty()));
    return s;
  };

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = JSON.stringify(body);
    if (status === 200 && Buffer.byteLength(text) > MAX_RESPONSE_BYTES) {
      // Neon's proxy answers every error, this one included, as its JSON error object (code "" for
      // errors that are not PostgreSQL's).
      const error = JSON.stringify(errorBody(`response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`));
      res.writeHead(507, { "content-type": "application/json", "access-control-allow-origin": "*" }).end(error);
      return;
    }
    res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*", ...headers });
    res.end(text);
  }

  async function handleSql(req: IncomingMessage, res: ServerResponse, key: string) {
    const s = statsFor(key);
    s.requests++;
    const fail = (status: number, message: string, dbError?: PgError) => {
      s.errors++;
      send(res, status, errorBody(message, dbError));
    };
    const conn = req.headers["neon-connection-string"];
    if (typeof conn !== "string" || !conn) return fail(400, "missing connection string");
    let url: URL;
    try {
      url = new URL(conn);
    } catch {
      return fail(400, "invalid connection string");
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (!["postgres:", "postgresql:"].includes(url.protocol) || !url.username || !url.hostname || !database) {
      return fail(400, "invalid connection string");
    }
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const rawText = req.headers["neon-raw-text-output"] === "true";
    const arrayModeHeader = req.headers["neon-array-mode"] === "true";
    const isolationHeader = req.headers["neon-batch-isolation-level"];
    const readOnlyHeader = req.headers["neon-batch-read-only"];
    const deferrableHeader = req.headers["neon-batch-deferrable"];
    if (typeof isolationHeader === "string" && !ISOLATION[isolationHeader]) return fail(400, "invalid isolation level");

    let body: { query?: unknown; params?: unknown; queries?: unknown };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return fail(400, "request body is not valid JSON");
    }
    const valid = (q: unknown): q is QueryIn =>
      !!q &&
      typeof (q as QueryIn).query === "string" &&
      ((q as QueryIn).params === undefined || Array.isArray((q as QueryIn).params));
    const batch = Array.isArray(body.queries);
    const queries: QueryIn[] = batch ? (body.queries as QueryIn[]) : [body as QueryIn];
    if (!queries.every(valid)) return fail(400, "invalid request body");

    const client = new pg.Client({
      host: pgHost,
      port: pgPort,
      user,
      password,
      database,
      types: { getTypeParser: () => (v: string) => v },
      connectionTimeoutMillis: 10000,
    } as pg.ClientConfig);
    client.on("error", () => {});
    let done = false;
    res.on("close", () => {
      if (!done) void cancel(client, user, password, database);
    });
    try {
      await client.connect();
    } catch (err) {
      const e = err as PgError;
      if (e.code === "28P01" || e.code === "28000") return fail(400, `password authentication failed for user '${user}'`);
      return fail(400, typeof e.message === "string" ? e.message : "could not connect to the database");
    }
    try {
      const results: unknown[] = [];
      if (batch) {
        s.batches++;
        const headers: Record<string, string> = {};
        let begin = "BEGIN";
        if (typeof isolationHeader === "string") {
          begin += ` ISOLATION LEVEL ${ISOLATION[isolationHeader]}`;
          headers["neon-batch-isolation-level"] = isolationHeader;
        }
        if (typeof readOnlyHeader === "string") {
          begin += readOnlyHeader === "true" ? " READ ONLY" : " READ WRITE";
          headers["neon-batch-read-only"] = readOnlyHeader;
        }
        if (typeof deferrableHeader === "string") {
          begin += deferrableHeader === "true" ? " DEFERRABLE" : " NOT DEFERRABLE";
          headers["neon-batch-deferrable"] = deferrableHeader;
        }
        s.lastBatchHeaders = headers;
        s.lastStatements = queries.map((q) => q.query);
        await client.query(begin);
        try {
          for (const q of queries) results.push(await run(client, q, rawText, arrayModeHeader, s));
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => {});
          throw err;
        }
        done = true;
        return send(res, 200, { results }, headers);
      }
      s.lastBatchHeaders = null;
      s.lastStatements = [queries[0]!.query];
      const result = await run(client, queries[0]!, rawText, arrayModeHeader, s);
      done = true;
      return send(res, 200, result);
    } catch (err) {
      done = true;
      const e = err as PgError;
      if (typeof e.code === "string" && typeof e.severity === "string") return fail(400, e.message, e);
      return fail(400, e?.message ?? "query failed");
    } finally {
      done = true;
      await client.end().catch(() => {});
    }
  }

  async function run(client: pg.Client, q: QueryIn, rawText: boolean, arrayModeHeader: boolean, s: NeonStats) {
    s.queries++;
    const arrayMode = q.arrayMode ?? arrayModeHeader;
    const r = await client.query({
      text: q.query,
      values: (q.params ?? []).map(toParam),
      rowMode: "array",
      queryMode: "extended",
    } as pg.QueryConfig & { rowMode: "array"; queryMode: "extended" });
    const fields = r.fields.map((f) => ({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: "text",
    }));
    const rows = (r.rows as unknown as Array<Array<string | null>>).map((row) => {
      const values = row.map((v, i) => (rawText ? v : convert(v, fields[i]!.dataTypeID)));
      if (arrayMode) return values;
      const obj: Record<string, unknown> = {};
      fields.forEach((f, i) => (obj[f.name] = values[i]));
      return obj;
    });
    return { rowAsArray: arrayMode, fields, rows, command: r.command, rowCount: r.rowCount ?? null };
  }

  async function cancel(client: pg.Client, user: string, password: string, database: string) {
    const pid = (client as unknown as { processID?: number }).processID;
    if (!pid) return;
    const c = new pg.Client({ host: pgHost, port: pgPort, user, password, database });
    c.on("error", () => {});
    try {
      await c.connect();
      await c.query("SELECT pg_cancel_backend($1)", [pid]);
    } catch {
      // best effort
    } finally {
      await c.end().catch(() => {});
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://neon");
    if (req.method === "GET" && url.pathname === "/stats") {
      const key = url.searchParams.get("key");
      const body = key ? (stats.get(key) ?? empty()) : Object.fromEntries(stats);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      return;
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "access-control-allow-origin": "*", "access-control-allow-headers": "*" }).end();
      return;
    }
    if (url.pathname === "/sql" || url.pathname.endsWith("/sql")) {
      if (req.method !== "POST") {
        res.writeHead(405, { allow: "POST" }).end("method not allowed");
        return;
      }
      const delay = Number(/\/delay-(\d+)/.exec(url.pathname)?.[1] ?? 0);
      const go = () =>
        handleSql(req, res, url.pathname).catch((err) => {
          if (!res.headersSent) send(res, 500, errorBody(`internal error: ${(err as Error)?.message}`));
        });
      if (delay) setTimeout(go, delay);
      else void go();
      return;
    }
    res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    addresses: {
      neonHttpUrl: `http://127.0.0.1:${port}/sql`,
      neonHttpOrigin: `http://127.0.0.1:${port}`,
      neonHttpStatsUrl: `http://127.0.0.1:${port}/stats`,
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
