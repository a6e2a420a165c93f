import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import { fromEngine, unreachable, type Secrets } from "./pg-errors";
import { withTimeout, type PgResult, type PgTarget, type PgTransport, type QueryOptions } from "./transport";
import { WireClient, WireClosedError, type ByteLimit, type WireResult } from "./wire/client";
import { PgServerError } from "./wire/messages";
import { ScramError } from "./wire/scram";

// The PostgreSQL wire protocol tunnelled through a WebSocket-to-TCP proxy (Neon's wsproxy or
// compatible), with our own small client (wire/). One connection per session. User SQL and previews
// run as BEGIN READ ONLY with the statement timeout and output settings, the statement (extended
// protocol, so a second statement cannot ride along), then a (deferred) ROLLBACK.

const APPLICATION_NAME = "connections-api";
// Catalog queries are not truncated but refused (the connection closed) past this many bytes of rows.
const CATALOG_BYTES_FLOOR = 16 * 1024 * 1024;
const USER_BYTES_FACTOR = 3;

export async function openWebSocketTransport(
  proxy: URL,
  target: PgTarget,
  ctx: ConnectorContext,
): Promise<PgTransport> {
  const secrets: Secrets = { password: target.password };
  const where = `${target.host}:${target.port} through the WebSocket proxy ${proxy.host}`;
  ctx.assertAllowed(proxy);
  // The database host itself is checked too (the egress guard speaks URLs, so it gets one).
  const bracketed = target.host.includes(":") ? `[${target.host}]` : target.host;
  ctx.assertAllowed(`https://${bracketed}:${target.port}/`);
  // ws://<proxy>/<path>?address=<host>:<port>, as Neon's driver addresses wsproxy.
  const path = proxy.pathname === "/" ? "/" : proxy.pathname.replace(/\/$/, "");
  const url = `${proxy.protocol === "wss:" ? "wss:" : "ws:"}//${proxy.host}${path}?address=${bracketed}:${target.port}`;

  let client: WireClient | null = null;
  let closed = false;
  const end = () => {
    closed = true;
    client?.destroy(new WireClosedError("the deadline passed"));
  };
  const onAbort = () => end();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const remaining = () => Math.max(0, ctx.deadline - Date.now());

  const mapError = (err: unknown): ConnectorError => {
    if (err instanceof ConnectorError) return err;
    if (err instanceof PgServerError && /^[0-9A-Z]{5}$/.test(err.code)) return fromEngine({ message: err.message, code: err.code }, secrets);
    if (err instanceof ScramError) return new ConnectorError("auth_failed", `Authentication failed: ${err.message}`);
    if (ctx.signal.aborted) return new ConnectorError("timeout", "The operation was cancelled at its deadline");
    return unreachable(where, err, secrets);
  };

  try {
    const connecting = WireClient.connect(url, {
      user: target.user,
      password: target.password,
      database: target.database,
      applicationName: APPLICATION_NAME,
      signal: ctx.signal,
    });
    // No startup parameters (options, statement_timeout): poolers such as PgBouncer refuse them. The
    // settings go into each read-only transaction instead; catalog calls are bounded by the deadline.
    client = await withTimeout(connecting, remaining(), `Connecting to ${where}`, () => {
      closed = true;
      connecting.then((c) => c.destroy(), () => {});
    });
  } catch (err) {
    closed = true;
    ctx.signal.removeEventListener("abort", onAbort);
    throw mapError(err);
  }
  const conn = client;

  // A read-only transaction is left open after its statement and rolled back lazily: by the next
  // BEGIN (same message), or by the server when close() ends the connection. Catalog queries that
  // follow simply run inside it (it is read-only) unless it failed. This saves the ROLLBACK round trip.
  let tx: "none" | "open" | "failed" = "none";
  const run = async (request: () => Promise<WireResult>, what: string): Promise<WireResult> => {
    try {
      return await withTimeout(request(), remaining(), what, end);
    } catch (err) {
      if (tx !== "none") tx = "failed";
      throw err;
    }
  };
  // User rows are kept up to just past USER_BYTES_FACTOR times the response budget, counted in protocol
  // bytes, and the rest is read and dropped: the row set then trims to the budget by its JSON size and
  // reports truncation. The factor covers the worst shrink from protocol bytes to JSON (one-character
  // values: a 4-byte length plus 1 byte against 1 character plus a comma), so rows are never dropped
  // without the row set noticing. Catalog results past a generous cap close the connection instead.
  const userLimit: ByteLimit = { bytes: USER_BYTES_FACTOR * ctx.limits.responseBytes, mode: "truncate" };
  const catalogLimit: ByteLimit = { bytes: Math.max(ctx.limits.responseBytes, CATALOG_BYTES_FLOOR), mode: "fail" };

  return {
    kind: "websocket",
    async query(sql: string, params: unknown[], opts: QueryOptions): Promise<PgResult> {
      if (closed || conn.closed) throw new ConnectorError("unreachable", `The connection to ${where} is closed`);
      const values = params.map((p) => (p === null || p === undefined ? null : String(p)));
      let result: WireResult;
      try {
        if (opts.readOnlyTransaction) {
          const ms = Math.max(1, Math.floor(opts.timeoutMs));
          // The SELECT takes the transaction's snapshot, so the statement cannot switch it to read-write.
          const begin = [
            "BEGIN READ ONLY",
            `SELECT set_config('statement_timeout', '${ms}', true), set_config('TimeZone', 'UTC', true), ` +
              "set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), set_config('bytea_output', 'hex', true)",
          ];
          const preamble = tx === "none" ? begin : ["ROLLBACK", ...begin];
          tx = "open";
          // One round trip: the transaction's start and the statement leave in one frame and one Sync,
          // so an error in the start skips the statement. The extended protocol accepts exactly one
          // statement. Its name is random: behind a transaction pooler the server connection outlives
          // this session.
          const name = values.length ? "" : `ro_${crypto.randomUUID().replaceAll("-", "")}`;
          result = await run(() => conn.extendedQuery(sql, values, name, userLimit, preamble), "The statement");
        } else {
          if (tx === "failed") {
            await run(() => conn.simpleQuery("ROLLBACK"), "Ending the transaction");
            tx = "none";
          }
          result = await run(
            () => (values.length ? conn.extendedQuery(sql, values, "", catalogLimit) : conn.simpleQuery(sql, catalogLimit)),
            "The statement",
          );
        }
      } catch (err) {
        throw mapError(err);
      }
      return { fields: result.fields, rows: result.rows, command: result.command, rowCount: result.rowCount };
    },
    async close() {
      ctx.signal.removeEventListener("abort", onAbort);
      if (closed) return;
      closed = true;
      conn.close();
    },
  };
}
