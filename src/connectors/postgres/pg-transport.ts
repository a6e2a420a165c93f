import Client from "pg/lib/client";
import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import { PgBatch, ResultTooLargeError, type BatchStatement, type ByteLimit } from "./pg-batch";
import { fromEngine, scrub, unreachable, type Secrets } from "./pg-errors";
import { USER_TYPES_SQL } from "./pg-types";
import {
  withTimeout, type AuthMethod, type PgResult, type PgTarget, type PgTransport, type QueryOptions, type TransportKind,
} from "./transport";

/** The part of a socket this module touches besides what the driver uses (an EventEmitter, destroy). */
export type DriverSocket = {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  once(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  destroy(reason?: string): unknown;
  readonly ended: Promise<void>; // settles when the driver ends it
};

export type PgTransportOptions = {
  kind: Exclude<TransportKind, "http">;
  target: PgTarget;
  ctx: ConnectorContext;
  where: string; // how messages name the server, e.g. "db.example.com:5432"
  tls: boolean; // ask the server for TLS (SSLRequest); no fallback when it declines
  sslMode: string; // as configured, for messages
  tunnelEncrypted: boolean; // the socket itself is encrypted (wss:), so a cleartext password may go
  socket: () => DriverSocket; // a fresh, unconnected socket for the driver
};

// PostgreSQL spoken by node-postgres over a socket we hand it: a TCP socket the Worker opens itself
// (tcp-transport.ts) or a WebSocket to a WebSocket-to-TCP proxy (ws-transport.ts). The driver does
// TLS (SSLRequest, then startTls), startup, SCRAM/MD5 and the message framing. We add the deadline (it
// closes the socket), a bound on what one connection may receive, the refusal to send a cleartext
// password over an unencrypted connection, and one round trip per call (pg-batch.ts). The egress
// guard is asked by the caller before the socket exists.

const APPLICATION_NAME = "connections-api";
// Catalog queries are not truncated but refused (the connection closed) past this many bytes of rows.
const CATALOG_BYTES_FLOOR = 16 * 1024 * 1024;
// User rows are kept up to USER_BYTES_FACTOR times the response budget (counted as protocol bytes);
// the row set trims to the budget by JSON size. The factor covers the worst shrink from protocol
// bytes to JSON (a one-character value: 4 + 1 bytes against 1 character plus a comma).
const USER_BYTES_FACTOR = 3;
// What one connection may receive in all: above the largest kept result plus what may be dropped. The
// driver buffers a message until it is complete, so this also bounds a message that declares a huge length.
const MAX_CONNECTION_BYTES = 128 << 20;

const settingsSql = (ms: number) =>
  `SELECT set_config('statement_timeout', '${ms}', true), set_config('TimeZone', 'UTC', true), ` +
  "set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), set_config('bytea_output', 'hex', true)";

const toText = (p: unknown): string | null => (p === null || p === undefined ? null : String(p));
const stmt = (text: string, values: Array<string | null> = [], describe = false): BatchStatement => ({ text, values, describe });

type DriverError = Error & { code?: unknown; severity?: unknown };
const isServerError = (e: unknown): e is DriverError & { code: string } =>
  e instanceof Error && typeof (e as DriverError).severity === "string" && /^[0-9A-Z]{5}$/.test(String((e as DriverError).code));

export async function openPgTransport(o: PgTransportOptions): Promise<PgTransport> {
  const { target, ctx, where, tls } = o;
  const secrets: Secrets = { password: target.password };
  let socket: DriverSocket | null = null;
  let sslAnswer: string | undefined; // the server's one-byte answer to the SSLRequest (S or N)
  let encrypted = false; // the TLS upgrade started (the server answered S)
  let authMethod: AuthMethod | undefined;
  let refusal: ConnectorError | null = null;
  let closed = false;
  let received = 0;

  const client = new Client({
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    application_name: APPLICATION_NAME,
    ssl: tls,
    // SCRAM-SHA-256-PLUS needs the server's certificate, which Workers sockets do not expose.
    enableChannelBinding: false,
    // Asked for by the driver when the server wants a password (cleartext, MD5 or SCRAM): a cleartext
    // request over an unencrypted connection is refused here, so the password never leaves.
    password: async () => {
      if (authMethod === "cleartext" && !encrypted && !o.tunnelEncrypted) {
        refusal = new ConnectorError(
          "auth_failed",
          `The server at ${where} asked for the password in cleartext over an unencrypted connection, so it was not sent: use sslMode "require", or a scram-sha-256 role`,
        );
        throw refusal;
      }
      return target.password;
    },
    stream: (() => {
      const s = o.socket();
      socket = s;
      // Registered before the driver's own listener: with TLS asked for, the first byte is the answer.
      if (tls) s.once("data", (b: Uint8Array) => (sslAnswer = String.fromCharCode(b[0] ?? 0)));
      s.on("data", (b: Uint8Array) => {
        received += b.byteLength;
        if (received > MAX_CONNECTION_BYTES && !refusal) {
          refusal = new ConnectorError("upstream_error", `${where} sent more than ${MAX_CONNECTION_BYTES} bytes on one connection; it was closed`);
          s.destroy("too much data");
        }
      });
      return s;
    }) as never, // the driver takes any Duplex-like socket (its own Workers socket, or ours for WebSockets)
  });
  // Listeners added before connect() run before the driver's own, so the method is known when it asks.
  const con = client.connection;
  con.on("sslconnect", () => (encrypted = true));
  con.on("authenticationCleartextPassword", () => (authMethod = "cleartext"));
  con.on("authenticationMD5Password", () => (authMethod = "md5"));
  con.on("authenticationSASL", () => (authMethod = "scram-sha-256"));
  con.on("authenticationOk", () => (authMethod ??= "trust"));
  // Errors after connect reach the pending query; an idle error must not go unhandled.
  client.on("error", () => {});

  const end = () => {
    closed = true;
    socket?.destroy("closed");
  };
  const onAbort = () => end();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const remaining = () => Math.max(0, ctx.deadline - Date.now());

  const mapError = (err: unknown): ConnectorError => {
    if (refusal) return refusal;
    if (err instanceof ConnectorError) return err;
    if (isServerError(err)) return fromEngine({ message: err.message, code: err.code }, secrets);
    if (err instanceof ResultTooLargeError) {
      return new ConnectorError("upstream_error", `The catalog result from ${where} is too large (${err.message})`);
    }
    if (ctx.signal.aborted) return new ConnectorError("timeout", "The operation was cancelled at its deadline");
    const raw = err instanceof Error ? err.message : String(err);
    if (/^SASL:/.test(raw)) return new ConnectorError("auth_failed", scrub(`Authentication failed: ${raw}`, secrets));
    return unreachable(where, err, secrets);
  };
  const connectError = (err: unknown): ConnectorError => {
    const e = mapError(err);
    if (e.code !== "unreachable" || sslAnswer === undefined || authMethod) return e;
    // TLS was asked for, the server answered, and no authentication began: the TLS step failed.
    const raw = err instanceof Error ? err.message : String(err);
    if (sslAnswer !== "S") {
      return new ConnectorError(
        "unreachable",
        `${where} did not accept TLS (sslMode "${o.sslMode}"); there is no fallback to an unencrypted connection: use sslMode "disable" only for a server on a trusted network`,
      );
    }
    // The runtime's reason is often only "internal error"; what Workers check is known.
    const reason = /internal error/i.test(raw) ? "" : ` (${raw.slice(0, 200)})`;
    return new ConnectorError(
      "unreachable",
      scrub(`The TLS handshake with ${where} failed: Workers accept only a certificate from a public certificate authority that names the host, in every sslMode${reason}`, secrets),
    );
  };

  try {
    const connecting = client.connect();
    await withTimeout(connecting, remaining(), `Connecting to ${where}`, end);
  } catch (err) {
    end();
    ctx.signal.removeEventListener("abort", onAbort);
    throw connectError(err);
  }

  const userLimit: ByteLimit = { bytes: USER_BYTES_FACTOR * ctx.limits.responseBytes, mode: "truncate" };
  const catalogLimit: ByteLimit = { bytes: Math.max(ctx.limits.responseBytes, CATALOG_BYTES_FLOOR), mode: "fail" };

  // A read-only transaction is left open after its statement and rolled back lazily: by the next
  // BEGIN (same batch), or by the server when the connection ends. Catalog queries that follow run
  // inside it (it is read-only) unless it failed. This saves the ROLLBACK round trip.
  let tx: "none" | "open" | "failed" = "none";

  return {
    kind: o.kind,
    get authMethod() {
      return authMethod;
    },
    encrypted,
    async query(sql: string, params: unknown[], opts: QueryOptions): Promise<PgResult> {
      if (closed) throw new ConnectorError("unreachable", `The connection to ${where} is closed`);
      const statements: BatchStatement[] = [];
      let main: number;
      let types = -1;
      let limit: ByteLimit;
      if (opts.readOnlyTransaction) {
        const ms = Math.max(1, Math.floor(opts.timeoutMs));
        if (tx !== "none") statements.push(stmt("ROLLBACK"));
        // The SELECT takes the transaction's snapshot, so the statement cannot switch it to read-write.
        statements.push(stmt("BEGIN READ ONLY"), stmt(settingsSql(ms)));
        if (opts.preflight) statements.push(stmt(opts.preflight.sql, opts.preflight.params.map(toText)));
        main = statements.push(stmt(sql, params.map(toText), true)) - 1;
        if (opts.withTypes) types = statements.push(stmt(USER_TYPES_SQL, [], true)) - 1;
        tx = "open";
        limit = userLimit;
      } else {
        if (tx === "failed") {
          statements.push(stmt("ROLLBACK"));
          tx = "none";
        }
        main = statements.push(stmt(sql, params.map(toText), true)) - 1;
        limit = catalogLimit;
      }
      const batch = new PgBatch(statements, limit);
      let results;
      try {
        client.query(batch as never);
        results = await withTimeout(batch.done, remaining(), "The statement", end);
      } catch (err) {
        if (tx !== "none") tx = "failed";
        throw mapError(err);
      }
      const r = results[main]!;
      return {
        fields: r.fields,
        rows: r.rows,
        command: r.command,
        rowCount: r.rowCount,
        typeRows: types >= 0 ? results[types]!.rows : undefined,
      };
    },
    async close() {
      ctx.signal.removeEventListener("abort", onAbort);
      if (closed) return;
      closed = true;
      // An open read-only transaction is ended first, in the same write as Terminate (no wait): a
      // transaction pooler then gets its server connection back instead of dropping it.
      if (tx !== "none") {
        const rollback = new PgBatch([stmt("ROLLBACK")], catalogLimit);
        rollback.done.catch(() => {}); // its answer is not waited for
        client.query(rollback as never);
      }
      // Terminate, written after the ROLLBACK; then the socket closes. Waiting for the writes to be
      // handed over, not for the server to close its side, costs no round trip.
      con.end();
      if (socket) await withTimeout(socket.ended, Math.min(500, remaining()), "Closing", () => socket?.destroy("closed")).catch(() => {});
    },
  };
}
