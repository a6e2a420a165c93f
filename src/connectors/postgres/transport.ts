import { ConnectorError } from "../errors";
import type { PostgresConfig } from "./config";

// The two ways a Worker reaches PostgreSQL, behind one small interface. Both return values as
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
};

export interface PgTransport {
  readonly kind: "http" | "websocket";
  query(sql: string, params: unknown[], opts: QueryOptions): Promise<PgResult>;
  close(): Promise<void>;
}

export type PgTarget = { host: string; port: number; database: string; user: string; password: string };

export type ResolvedTransport = { kind: "http"; endpoint: URL } | { kind: "websocket"; proxy: URL };

export const isNeonHost = (host: string) => /(^|\.)neon\.tech$/i.test(host);

/** Neon's endpoint for a host: the first DNS label replaced with `api` (as the Neon driver does). */
export function neonHttpEndpoint(host: string): string {
  return `https://${isNeonHost(host) ? host.replace(/^[^.]+\./, "api.") : host}/sql`;
}

/**
 * Chooses the transport. `auto`: HTTP for Neon hosts (*.neon.tech) and whenever httpEndpoint is set,
 * otherwise the WebSocket proxy. Unencrypted endpoints (http:, ws:) need sslMode "disable".
 */
export function resolveTransport(config: PostgresConfig): ResolvedTransport {
  const useHttp =
    config.transport === "http" || (config.transport === "auto" && (!!config.httpEndpoint || isNeonHost(config.host)));
  let resolved: ResolvedTransport;
  if (useHttp) {
    resolved = { kind: "http", endpoint: new URL(config.httpEndpoint ?? neonHttpEndpoint(config.host)) };
  } else {
    // Neon's own WebSocket endpoint is the host itself at /v2 (as the Neon driver's default).
    const proxy = config.webSocketProxy ?? (isNeonHost(config.host) ? `wss://${config.host}/v2` : undefined);
    if (!proxy) {
      throw new ConnectorError(
        "invalid_request",
        `${config.host} is not a Neon host, so it is reached through a WebSocket-to-TCP proxy: set webSocketProxy (or httpEndpoint for a SQL-over-HTTP endpoint)`,
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
  if (config.transport === "http" || (config.transport === "auto" && (config.httpEndpoint || isNeonHost(config.host)))) {
    add(config.httpEndpoint ?? neonHttpEndpoint(config.host));
  } else {
    add(config.webSocketProxy);
  }
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
