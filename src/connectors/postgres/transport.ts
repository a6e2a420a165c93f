import { ConnectorError } from "../errors";
import type { PostgresConfig } from "./config";

// The three ways a Worker reaches PostgreSQL, behind one small interface. All return values as
// PostgreSQL text with each column's type OID; decoding happens once, in pg-types.ts.

export type PgField = { name: string; dataTypeID: number };
export type PgResult = {
  fields: PgField[];
  rows: Array<Array<string | null>>;
  command: string;
  rowCount: number | null;
  typeRows?: Array<Array<string | null>>; // USER_TYPES_SQL rows, when asked for and cheap to send along
};

export type QueryOptions = {
  // true: run inside BEGIN READ ONLY with a statement timeout, then roll back (user SQL, previews).
  readOnlyTransaction: boolean;
  timeoutMs: number;
  // Send the database's own types along when that costs no extra round trip (HTTP batch).
  withTypes?: boolean;
  // A statement run inside the same read-only transaction just before the statement, whose error aborts
  // the transaction so that the statement never runs; pipelined (same batch or frame) where the transport
  // allows. Used for the catalog check of the functions a user statement calls (sql/pg-function-policy.ts).
  preflight?: { sql: string; params: unknown[] };
};

export type TransportKind = "http" | "websocket" | "tcp";
// How the server checked the password (tcp: seen by the driver; others: not known).
export type AuthMethod = "scram-sha-256" | "md5" | "cleartext" | "trust";

export interface PgTransport {
  readonly kind: TransportKind;
  readonly authMethod?: AuthMethod;
  readonly encrypted?: boolean;
  query(sql: string, params: unknown[], opts: QueryOptions): Promise<PgResult>;
  close(): Promise<void>;
}

export type PgTarget = { host: string; port: number; database: string; user: string; password: string };

export type ResolvedTransport =
  | { kind: "http"; endpoint: URL }
  | { kind: "websocket"; proxy: URL }
  | { kind: "tcp"; sslMode: PostgresConfig["sslMode"] };

export const isNeonHost = (host: string) => /(^|\.)neon\.tech$/i.test(host);

/** Neon's endpoint for a host: the first DNS label replaced with `api` (as the Neon driver does). */
export function neonHttpEndpoint(host: string): string {
  return `https://${isNeonHost(host) ? host.replace(/^[^.]+\./, "api.") : host}/sql`;
}

/** The transport a config names, `auto` resolved: http, then websocket (a proxy is set), then tcp. */
export function transportKind(config: PostgresConfig): TransportKind {
  if (config.transport !== "auto") return config.transport;
  if (config.httpEndpoint || isNeonHost(config.host)) return "http";
  return config.webSocketProxy ? "websocket" : "tcp";
}

/**
 * Chooses the transport. `auto`: HTTP for Neon hosts (*.neon.tech) and whenever httpEndpoint is set,
 * the WebSocket proxy when webSocketProxy is set, otherwise a direct TCP socket. Unencrypted
 * endpoints (http:, ws:) need sslMode "disable"; over tcp, sslMode decides the TLS upgrade.
 */
export function resolveTransport(config: PostgresConfig): ResolvedTransport {
  const kind = transportKind(config);
  if (kind === "tcp") return { kind: "tcp", sslMode: config.sslMode };
  let resolved: ResolvedTransport;
  if (kind === "http") {
    resolved = { kind: "http", endpoint: new URL(config.httpEndpoint ?? neonHttpEndpoint(config.host)) };
  } else {
    // Neon's own WebSocket endpoint is the host itself at /v2 (as the Neon driver's default).
    const proxy = config.webSocketProxy ?? (isNeonHost(config.host) ? `wss://${config.host}/v2` : undefined);
    if (!proxy) {
      throw new ConnectorError(
        "invalid_request",
        `transport "websocket" needs webSocketProxy for ${config.host}, which is not a Neon host (or use transport "tcp" to reach it directly)`,
      );
    }
    resolved = { kind: "websocket", proxy: new URL(proxy) };
  }
  const url = resolved.kind === "http" ? resolved.endpoint : resolved.proxy;
  if (config.sslMode !== "disable" && (url.protocol === "http:" || url.protocol === "ws:")) {
    throw new ConnectorError(
      "invalid_request",
      `sslMode "${config.sslMode}" needs an encrypted endpoint (https: or wss:), but ${url.protocol}//${url.host} is not; use sslMode "disable" only for a trusted local endpoint`,
    );
  }
  return resolved;
}

/** Hosts contacted for a config (for the egress guard): the server and the HTTP endpoint or proxy. */
export function transportHosts(config: PostgresConfig): string[] {
  const hosts = new Set<string>([config.host]);
  const add = (u: string | undefined) => {
    if (!u) return;
    try {
      hosts.add(new URL(u).hostname);
    } catch {
      // rejected by the config schema already
    }
  };
  const kind = transportKind(config);
  if (kind === "http") add(config.httpEndpoint ?? neonHttpEndpoint(config.host));
  else if (kind === "websocket") add(config.webSocketProxy);
  // (A Neon host reached over WebSocket without a proxy uses the host itself: already listed.)
  return [...hosts];
}

/** Rejects with a timeout ConnectorError if `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new ConnectorError("timeout", `${what} timed out after ${Math.round(ms)} ms`));
    }, Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
