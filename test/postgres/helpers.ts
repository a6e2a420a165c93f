import { inject } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { postgresConnector } from "../../src/connectors/postgres/index";
import type { PostgresConfig } from "../../src/connectors/postgres/config";
import type { ConnectorContext, ConnectorSession, Limits, RowSet } from "../../src/connectors/types";

// Shared helpers for the connector-level Postgres tests: configs for both transports, a context, and
// the counters of the WebSocket proxy and the Neon HTTP contract server (per test path).

export const servers = inject("servers");
export const MODES = ["websocket", "http", "tcp"] as const;
export type Mode = (typeof MODES)[number];

export const owner = () => ({ user: servers.pgUser!, password: servers.pgPassword! });
export const reader = () => ({ user: servers.pgReaderUser!, password: servers.pgReaderPassword! });
export const outsider = () => ({ user: servers.pgOutsiderUser!, password: servers.pgOutsiderPassword! });

export const newTag = () => crypto.randomUUID().slice(0, 12);

export function configFor(mode: Mode, tag: string, extra: Partial<PostgresConfig> = {}): PostgresConfig {
  const base =
    mode === "websocket"
      ? { transport: "websocket", webSocketProxy: `${servers.wsProxyUrl}/t/${tag}` }
      : mode === "http"
        ? { transport: "auto", httpEndpoint: `${servers.neonHttpOrigin}/t/${tag}/sql` }
        : { transport: "auto" }; // tcp: direct here; openSession puts the tag's counting TCP proxy in between
  return postgresConnector.config.parse({
    host: servers.pgHost,
    port: Number(servers.pgPort),
    database: servers.pgDatabase,
    sslMode: "disable",
    ...base,
    ...extra,
  });
}

export function makeCtx(opts: { timeoutMs?: number; limits?: Partial<Limits> } = {}): ConnectorContext {
  return createConnectorContext({
    allowPrivateNetwork: true,
    timeoutMs: opts.timeoutMs ?? 25000,
    limits: { ...clampLimits({}), ...opts.limits },
  });
}

export async function openSession(
  mode: Mode,
  opts: { tag?: string; config?: Partial<PostgresConfig>; creds?: { user: string; password: string }; ctx?: ConnectorContext } = {},
): Promise<{ session: ConnectorSession; tag: string }> {
  const tag = opts.tag ?? newTag();
  const creds = opts.creds ?? owner();
  const viaProxy = mode === "tcp" && opts.config?.port === undefined ? { port: await tcpProxyPort(tag) } : {};
  const session = await postgresConnector.open(
    configFor(mode, tag, { ...viaProxy, ...opts.config }),
    { method: "password", identity: { user: creds.user }, secrets: { password: creds.password } },
    opts.ctx ?? makeCtx(),
  );
  return { session, tag };
}

export async function withSession<T>(
  mode: Mode,
  fn: (s: ConnectorSession, tag: string) => Promise<T>,
  opts: Parameters<typeof openSession>[1] = {},
): Promise<T> {
  const { session, tag } = await openSession(mode, opts);
  try {
    return await fn(session, tag);
  } finally {
    await session.close?.();
  }
}

/** The port of the counting TCP proxy for a tag (opened on first use), in front of `target` (default: PostgreSQL). */
export async function tcpProxyPort(tag: string, target?: string): Promise<number> {
  const q = new URLSearchParams({ tag, ...(target ? { target } : {}) });
  const res = await fetch(`${servers.tcpProxyControl}/open?${q}`, { method: "POST" });
  if (!res.ok) throw new Error(`tcp proxy: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { port: number }).port;
}

export type Counters = { requests: number; turns: number; connections: number; bytes: number };

/** Round trips seen by the server side for a tag: HTTP requests, or WebSocket/TCP turns (client spoke after the server). */
export async function counters(mode: Mode, tag: string): Promise<Counters> {
  if (mode === "tcp") {
    const s = (await (await fetch(`${servers.tcpProxyControl}/stats?tag=${tag}`)).json()) as Record<string, number>;
    return { requests: 0, turns: s.turns!, connections: s.connections!, bytes: s.bytesFromClient! + s.bytesFromServer! };
  }
  if (mode === "websocket") {
    const s = (await (await fetch(`${servers.wsProxyStatsUrl}?key=/t/${tag}`)).json()) as Record<string, number>;
    return { requests: 0, turns: s.turns!, connections: s.connections!, bytes: s.bytesFromClient! + s.bytesFromServer! };
  }
  const s = (await (await fetch(`${servers.neonHttpStatsUrl}?key=/t/${tag}/sql`)).json()) as Record<string, number>;
  return { requests: s.requests!, turns: s.requests!, connections: s.requests!, bytes: 0 };
}

export async function neonStats(tag: string): Promise<{ lastBatchHeaders: Record<string, string> | null; lastStatements: string[] }> {
  return (await (await fetch(`${servers.neonHttpStatsUrl}?key=/t/${tag}/sql`)).json()) as never;
}

export const col = (rs: RowSet, name: string) => rs.rows.map((r) => r[rs.columns.findIndex((c) => c.name === name)]);
