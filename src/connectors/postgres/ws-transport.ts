import type { ConnectorContext } from "../types";
import { openPgTransport } from "./pg-transport";
import type { PgTarget, PgTransport } from "./transport";
import { WebSocketSocket } from "./ws-socket";

// The PostgreSQL protocol tunnelled through a WebSocket-to-TCP proxy (Neon's wsproxy or compatible),
// spoken by node-postgres over a WebSocket (ws-socket.ts). No TLS inside the tunnel: the WebSocket's
// own wss: is the encryption, so a cleartext password is sent only through wss:.
export async function openWebSocketTransport(proxy: URL, target: PgTarget, ctx: ConnectorContext): Promise<PgTransport> {
  ctx.assertAllowed(proxy);
  // The database host itself is checked too (the egress guard speaks URLs, so it gets one).
  const bracketed = target.host.includes(":") ? `[${target.host}]` : target.host;
  ctx.assertAllowed(`https://${bracketed}:${target.port}/`);
  // ws://<proxy>/<path>?address=<host>:<port>, as Neon's driver addresses wsproxy.
  const path = proxy.pathname === "/" ? "/" : proxy.pathname.replace(/\/$/, "");
  const url = `${proxy.protocol === "wss:" ? "wss:" : "ws:"}//${proxy.host}${path}?address=${bracketed}:${target.port}`;
  return openPgTransport({
    kind: "websocket",
    target,
    ctx,
    where: `${target.host}:${target.port} through the WebSocket proxy ${proxy.host}`,
    tls: false,
    sslMode: "disable",
    tunnelEncrypted: proxy.protocol === "wss:",
    socket: () => new WebSocketSocket(url),
  });
}
