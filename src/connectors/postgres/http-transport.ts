import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import { fromEngine, scrub, unreachable, type Secrets } from "./pg-errors";
import { USER_TYPES_SQL } from "./pg-types";
import type { PgResult, PgTarget, PgTransport, QueryOptions } from "./transport";

// Neon's SQL-over-HTTP protocol spoken directly with ctx.fetch (the guarded fetch): every call is one
// request, sent as a batch so the proxy runs it inside BEGIN READ ONLY (Neon-Batch-Read-Only: true),
// with the statement timeout and output settings set by the first statement of the batch.

const SETTINGS =
  "SELECT set_config('statement_timeout', $1, true), set_config('TimeZone', 'UTC', true), " +
  "set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), " +
  "set_config('bytea_output', 'hex', true)";
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function connectionString(t: PgTarget): string {
  const host = t.host.includes(":") && !t.host.startsWith("[") ? `[${t.host}]` : t.host;
  const e = encodeURIComponent;
  return `postgresql://${e(t.user)}:${e(t.password)}@${host}:${t.port}/${e(t.database)}?sslmode=require`;
}

const toParam = (p: unknown): string | null => (p === null || p === undefined ? null : String(p));

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return "";
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
  return new TextDecoder().decode(all);
}

export function openHttpTransport(endpoint: URL, target: PgTarget, ctx: ConnectorContext): PgTransport {
  const conn = connectionString(target);
  const secrets: Secrets = { password: target.password, connectionString: conn };
  const where = `the SQL-over-HTTP endpoint ${endpoint.host}`;
  return {
    kind: "http",
    async query(sql: string, params: unknown[], opts: QueryOptions): Promise<PgResult> {
      // The batch is one transaction: an error in the settings or the preflight skips the statement.
      const queries: Array<{ query: string; params: Array<string | null> }> = [
        { query: SETTINGS, params: [String(Math.max(1, Math.floor(opts.timeoutMs)))] },
      ];
      if (opts.preflight) queries.push({ query: opts.preflight.sql, params: opts.preflight.params.map(toParam) });
      const at = queries.length;
      queries.push({ query: sql, params: params.map(toParam) });
      if (opts.withTypes) queries.push({ query: USER_TYPES_SQL, params: [] });
      const body = JSON.stringify({ queries });
      let res: Response;
      try {
        res = await ctx.fetch(endpoint.toString(), {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "Neon-Connection-String": conn,
            "Neon-Raw-Text-Output": "true",
            "Neon-Array-Mode": "true",
            "Neon-Batch-Read-Only": "true",
            "Neon-Batch-Deferrable": "false",
            "Neon-Batch-Isolation-Level": "ReadCommitted",
          },
          body,
          signal: ctx.signal,
        });
      } catch (err) {
        throw unreachable(where, err, secrets);
      }
      const text = await readCapped(res);
      if (res.status === 200) {
        let parsed: { results?: Array<Partial<PgResult>> };
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new ConnectorError("upstream_error", `${where} answered with a body that is not JSON`);
        }
        const r = parsed.results?.[at];
        if (!r || !Array.isArray(r.fields) || !Array.isArray(r.rows)) {
          throw new ConnectorError("upstream_error", `${where} answered without the expected batch results`);
        }
        return {
          fields: r.fields.map((f) => ({ name: String(f.name), dataTypeID: Number(f.dataTypeID) })),
          rows: r.rows as PgResult["rows"],
          command: String(r.command ?? ""),
          rowCount: typeof r.rowCount === "number" ? r.rowCount : null,
          typeRows: opts.withTypes && Array.isArray(parsed.results?.[at + 1]?.rows) ? (parsed.results[at + 1]!.rows as PgResult["rows"]) : undefined,
        };
      }
      if (res.status === 400) {
        let e: { message?: unknown; code?: unknown } = {};
        try {
          e = JSON.parse(text);
        } catch {
          // fall through with the raw text
        }
        const message = typeof e.message === "string" ? e.message : text.slice(0, 300);
        throw fromEngine({ message, code: typeof e.code === "string" ? e.code : "" }, secrets);
      }
      if (res.status === 507) throw new ConnectorError("upstream_error", `The result is too large for ${where}`);
      if (res.status === 429) throw new ConnectorError("rate_limited", `${where} is rate limiting requests`);
      throw new ConnectorError(
        "upstream_error",
        scrub(`${where} answered HTTP ${res.status}: ${text.slice(0, 300)}`, secrets),
      );
    },
    async close() {},
  };
}
