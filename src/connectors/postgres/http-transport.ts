import { neon, neonConfig, NeonDbError } from "@neondatabase/serverless";
import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import { fromEngine, scrub, unreachable, type Secrets } from "./pg-errors";
import { USER_TYPES_SQL } from "./pg-types";
import type { PgResult, PgTarget, PgTransport, QueryOptions } from "./transport";

// Neon's SQL-over-HTTP through the Neon driver's neon() function. Every call is one request: a batch
// (transaction()) that the endpoint runs inside BEGIN READ ONLY (Neon-Batch-Read-Only), starting with
// the statement timeout and output settings, then the preflight, the statement and the user types.

const SETTINGS =
  "SELECT set_config('statement_timeout', $1, true), set_config('TimeZone', 'UTC', true), " +
  "set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), " +
  "set_config('bytea_output', 'hex', true)";
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

// The driver's fetch function is a global of the module (neonConfig.fetchFunction), shared by every
// request in the isolate, while the guarded fetch belongs to one request. So the global only dispatches:
// each call puts its own fetch into fetchOptions (which the driver spreads into the fetch init), under a
// symbol no JSON or header ever carries. Without it, nothing is fetched (never the unguarded global).
const CALL_FETCH = Symbol("guarded fetch of this call");
type CallInit = RequestInit & { [CALL_FETCH]?: (init: RequestInit) => Promise<Response> };
neonConfig.fetchFunction = (_driverUrl: string, init: CallInit) => {
  const { [CALL_FETCH]: callFetch, ...rest } = init;
  if (!callFetch) return Promise.reject(new ConnectorError("host_not_allowed", "A Neon HTTP query without its guarded fetch"));
  return callFetch(rest);
};

// Values stay PostgreSQL text: pg-types.ts decodes them once, with each field's type OID.
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

function connectionString(t: PgTarget): string {
  const host = t.host.includes(":") && !t.host.startsWith("[") ? `[${t.host}]` : t.host;
  const e = encodeURIComponent;
  return `postgresql://${e(t.user)}:${e(t.password)}@${host}:${t.port}/${e(t.database)}?sslmode=require`;
}

const toParam = (p: unknown): string | null => (p === null || p === undefined ? null : String(p));

async function readCapped(res: Response): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => {});
      throw new ConnectorError("upstream_error", `The SQL-over-HTTP response exceeded ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}

const NULL_BODY = new Set([101, 204, 205, 304]);
type Exchange = { status?: number; text?: string };

export function openHttpTransport(endpoint: URL, target: PgTarget, ctx: ConnectorContext): PgTransport {
  const conn = connectionString(target);
  const secrets: Secrets = { password: target.password, connectionString: conn };
  const where = `the SQL-over-HTTP endpoint ${endpoint.host}`;
  const sql = neon(conn, { arrayMode: true, fullResults: true, disableWarningInBrowsers: true });

  // The guarded fetch of this call, to our endpoint (the driver's URL comes from a global fetchEndpoint
  // and ignores httpEndpoint), with the body read under the cap before the driver parses it.
  const fetchFor = (exchange: Exchange) => async (init: RequestInit): Promise<Response> => {
    const res = await ctx.fetch(endpoint.toString(), init);
    const bytes = await readCapped(res);
    exchange.status = res.status;
    exchange.text = new TextDecoder().decode(bytes);
    // Only the status and the body matter to the driver (it reads no header).
    return new Response(NULL_BODY.has(res.status) ? null : exchange.text, { status: res.status });
  };

  const failure = (err: unknown, exchange: Exchange): ConnectorError => {
    const { status, text = "" } = exchange;
    if (status === undefined) {
      // Refused by the guard, unreachable, timed out or over the cap: the driver keeps our error.
      const cause = err instanceof NeonDbError && err.sourceError !== undefined ? err.sourceError : err;
      return unreachable(where, cause, secrets);
    }
    if (status === 200) {
      return err instanceof SyntaxError
        ? new ConnectorError("upstream_error", `${where} answered with a body that is not JSON`)
        : new ConnectorError("upstream_error", `${where} answered without the expected batch results`);
    }
    if (status === 400) {
      if (err instanceof NeonDbError) return fromEngine({ message: err.message, code: err.code ?? "" }, secrets);
      return fromEngine({ message: text.slice(0, 300), code: "" }, secrets);
    }
    if (status === 507) return new ConnectorError("upstream_error", `The result is too large for ${where}`);
    if (status === 429) return new ConnectorError("rate_limited", `${where} is rate limiting requests`);
    return new ConnectorError("upstream_error", scrub(`${where} answered HTTP ${status}: ${text.slice(0, 300)}`, secrets));
  };

  return {
    kind: "http",
    async query(statement: string, params: unknown[], opts: QueryOptions): Promise<PgResult> {
      // The batch is one transaction: an error in the settings or the preflight skips the statement.
      const raw = { types: RAW_TEXT };
      const queries = [sql.query(SETTINGS, [String(Math.max(1, Math.floor(opts.timeoutMs)))], raw)];
      if (opts.preflight) queries.push(sql.query(opts.preflight.sql, opts.preflight.params.map(toParam), raw));
      const at = queries.length;
      queries.push(sql.query(statement, params.map(toParam), raw));
      if (opts.withTypes) queries.push(sql.query(USER_TYPES_SQL, [], raw));

      const exchange: Exchange = {};
      let results: unknown[];
      try {
        results = await sql.transaction(queries, {
          readOnly: true,
          deferrable: false,
          isolationLevel: "ReadCommitted",
          fetchOptions: { signal: ctx.signal, [CALL_FETCH]: fetchFor(exchange) },
        });
      } catch (err) {
        throw failure(err, exchange);
      }
      const r = results[at] as Partial<PgResult> | undefined;
      if (!r || !Array.isArray(r.fields) || !Array.isArray(r.rows)) {
        throw new ConnectorError("upstream_error", `${where} answered without the expected batch results`);
      }
      const types = results[at + 1] as Partial<PgResult> | undefined;
      return {
        fields: r.fields.map((f) => ({ name: String(f.name), dataTypeID: Number(f.dataTypeID) })),
        rows: r.rows as PgResult["rows"],
        command: String(r.command ?? ""),
        rowCount: typeof r.rowCount === "number" ? r.rowCount : null,
        typeRows: opts.withTypes && Array.isArray(types?.rows) ? (types.rows as PgResult["rows"]) : undefined,
      };
    },
    async close() {},
  };
}
