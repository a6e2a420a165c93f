import { Client } from "@neondatabase/serverless";
import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import { fromEngine, unreachable, type Secrets } from "./pg-errors";
import { withTimeout, type PgResult, type PgTarget, type PgTransport, type QueryOptions } from "./transport";

// The Neon driver's WebSocket Client (the PostgreSQL wire protocol tunnelled through a WebSocket-to-TCP
// proxy). One connection per session. User SQL and previews run as BEGIN READ ONLY with the statement
// timeout and output settings, the statement (extended protocol, so a second statement cannot ride
// along), then a (deferred) ROLLBACK.

const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

type RawResult = { fields: Array<{ name: string; dataTypeID: number }>; rows: unknown[]; command: string; rowCount: number | null };

function isSqlState(code: unknown): code is string {
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

export async function openWebSocketTransport(
  proxy: URL,
  target: PgTarget,
  ctx: ConnectorContext,
): Promise<PgTransport> {
  const secrets: Secrets = { password: target.password };
  const where = `${target.host}:${target.port} through the WebSocket proxy ${proxy.host}`;
  ctx.assertAllowed(proxy);
  // The database host itself is checked too (the egress guard speaks URLs, so it gets one).
  ctx.assertAllowed(`https://${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}/`);
  const client = new Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: false,
    // No startup parameters (options, statement_timeout): poolers such as PgBouncer refuse them. The
    // settings go into each read-only transaction instead; catalog calls are bounded by the deadline.
    types: TEXT_TYPES,
  } as ConstructorParameters<typeof Client>[0]);
  const path = proxy.pathname === "/" ? "/" : proxy.pathname.replace(/\/$/, "");
  client.neonConfig.wsProxy = (host: string, port: number | string) => `${proxy.host}${path}?address=${host}:${port}`;
  client.neonConfig.useSecureWebSocket = proxy.protocol === "wss:";
  client.neonConfig.pipelineConnect = false;
  let closed = false;
  const end = () => {
    if (closed) return;
    closed = true;
    client.end().catch(() => {});
  };
  client.on("error", () => {}); // surfaced through the pending query instead
  const onAbort = () => end();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const remaining = () => Math.max(0, ctx.deadline - Date.now());

  const mapError = (err: unknown): ConnectorError => {
    if (err instanceof ConnectorError) return err;
    const e = err as { code?: unknown; message?: unknown };
    if (isSqlState(e?.code)) return fromEngine({ message: String(e.message ?? ""), code: e.code }, secrets);
    if (ctx.signal.aborted) return new ConnectorError("timeout", "The operation was cancelled at its deadline");
    const raw = err instanceof Error ? err.message : "";
    if (/terminated unexpectedly|connection terminated/i.test(raw)) {
      return unreachable(where, "the connection was closed before the database answered (refused, unknown host or unreachable)", secrets);
    }
    if (!raw || raw.startsWith("[object")) return unreachable(where, "the WebSocket to the proxy could not be opened", secrets);
    return unreachable(where, err, secrets);
  };

  try {
    await withTimeout(client.connect(), remaining(), `Connecting to ${where}`, end);
  } catch (err) {
    // A server-side refusal (bad password, unknown database) already closed the socket: sending a
    // Terminate now would only raise inside the driver.
    // Likewise when the proxy closed the WebSocket; a timeout has already ended the client.
    closed = true;
    ctx.signal.removeEventListener("abort", onAbort);
    throw mapError(err);
  }

  // A read-only transaction is left open after its statement and rolled back lazily: by the next
  // BEGIN (same message), or by the server when close() ends the connection. Catalog queries that
  // follow simply run inside it (it is read-only) unless it failed. This saves the ROLLBACK round trip.
  let tx: "none" | "open" | "failed" = "none";
  const run = async (config: { text: string; values?: unknown[]; name?: string }, what: string): Promise<RawResult> => {
    try {
      return (await withTimeout(
        client.query({ ...config, rowMode: "array" } as never) as unknown as Promise<RawResult>,
        remaining(),
        what,
        end,
      )) as RawResult;
    } catch (err) {
      if (tx !== "none") tx = "failed";
      throw err;
    }
  };

  return {
    kind: "websocket",
    async query(sql: string, params: unknown[], opts: QueryOptions): Promise<PgResult> {
      if (closed) throw new ConnectorError("unreachable", `The connection to ${where} is closed`);
      const values = params.map((p) => (p === null || p === undefined ? null : String(p)));
      let result: RawResult;
      try {
        if (opts.readOnlyTransaction) {
          const ms = Math.max(1, Math.floor(opts.timeoutMs));
          // The SELECT takes the transaction's snapshot, so the statement cannot switch it to read-write.
          const begin =
            `BEGIN READ ONLY; SELECT set_config('statement_timeout', '${ms}', true), set_config('TimeZone', 'UTC', true), ` +
            "set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), set_config('bytea_output', 'hex', true)";
          const text = tx === "none" ? begin : `ROLLBACK; ${begin}`;
          tx = "open";
          await run({ text }, "Starting the transaction");
          // A named statement forces the extended protocol, which accepts exactly one statement.
          // The name is random: behind a transaction pooler the server connection outlives this session.
          const name = values.length ? undefined : `ro_${crypto.randomUUID().replaceAll("-", "")}`;
          result = await run({ text: sql, values, name }, "The statement");
        } else {
          if (tx === "failed") {
            await run({ text: "ROLLBACK" }, "Ending the transaction");
            tx = "none";
          }
          result = await run({ text: sql, values }, "The statement");
        }
      } catch (err) {
        throw mapError(err);
      }
      return {
        fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
        rows: result.rows as PgResult["rows"],
        command: result.command,
        rowCount: result.rowCount,
      };
    },
    async close() {
      ctx.signal.removeEventListener("abort", onAbort);
      if (closed) return;
      closed = true;
      await withTimeout(client.end(), 2000, "Closing the connection").catch(() => {});
    },
  };
}
