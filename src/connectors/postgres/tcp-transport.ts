import type { ConnectorContext } from "../types";
import type { PostgresConfig } from "./config";
import { openPgTransport } from "./pg-transport";
import { GuardedSocket, socketUrl } from "./tcp-socket";
import type { PgTarget, PgTransport } from "./transport";

// PostgreSQL over a TCP socket the Worker opens itself (cloudflare:sockets), TLS per sslMode.
export async function openTcpTransport(
  target: PgTarget,
  sslMode: PostgresConfig["sslMode"],
  ctx: ConnectorContext,
): Promise<PgTransport> {
  // Refused hosts fail here, before any socket exists (GuardedSocket asks again at connect()).
  ctx.assertAllowed(socketUrl(target.host, target.port));
  const tls = sslMode !== "disable";
  return openPgTransport({
    kind: "tcp",
    target,
    ctx,
    where: `${target.host}:${target.port}`,
    tls,
    sslMode,
    tunnelEncrypted: false,
    socket: () => new GuardedSocket(tls, ctx),
  });
}
