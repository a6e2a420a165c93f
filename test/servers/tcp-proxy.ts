import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Started } from "./index";

// A TCP proxy on loopback that counts, for the Postgres tcp transport, what a test cannot see from
// inside the Worker: connections and round trips ("turns": the times the client spoke after the
// server had answered, or first). Each tag gets its own listening port, opened on demand:
//   POST /open?tag=<id>[&target=<host:port>]  -> {"port": P}   (target: PostgreSQL by default)
//   GET  /stats?tag=<id>                       -> counters (open: connections not yet closed)
export type TcpProxyStats = { connections: number; open: number; turns: number; bytesFromClient: number; bytesFromServer: number };
const empty = (): TcpProxyStats => ({ connections: 0, open: 0, turns: 0, bytesFromClient: 0, bytesFromServer: 0 });

export async function start(shared: Record<string, string>): Promise<Started> {
  const defaultTarget = `${shared.pgHost ?? "127.0.0.1"}:${shared.pgPort ?? "5432"}`;
  const listeners = new Map<string, { server: Server; port: number; stats: TcpProxyStats }>();
  const sockets = new Set<Socket>();

  async function open(tag: string, target: string) {
    const existing = listeners.get(tag);
    if (existing) return existing.port;
    const cut = target.lastIndexOf(":");
    const host = target.slice(0, cut);
    const port = Number(target.slice(cut + 1));
    if (host !== "127.0.0.1" && host !== "localhost") throw new Error("loopback targets only");
    const stats = empty();
    const server = createServer((client) => {
      stats.connections++;
      stats.open++;
      client.once("close", () => stats.open--);
      let last: "client" | "server" = "server";
      const upstream = connect({ host, port });
      for (const s of [client, upstream]) {
        s.setNoDelay(true);
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      }
      client.on("data", (chunk) => {
        stats.bytesFromClient += chunk.length;
        if (last === "server") stats.turns++;
        last = "client";
        upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        stats.bytesFromServer += chunk.length;
        last = "server";
        client.write(chunk);
      });
      client.on("end", () => upstream.end());
      upstream.on("end", () => client.end());
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const listening = (server.address() as { port: number }).port;
    listeners.set(tag, { server, port: listening, stats });
    return listening;
  }

  const control = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const tag = url.searchParams.get("tag") ?? "";
    const reply = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "POST" && url.pathname === "/open" && tag) {
      open(tag, url.searchParams.get("target") ?? defaultTarget).then(
        (port) => reply(200, { port }),
        (err: Error) => reply(400, { error: err.message }),
      );
      return;
    }
    if (req.method === "GET" && url.pathname === "/stats" && tag) {
      return reply(200, listeners.get(tag)?.stats ?? empty());
    }
    reply(404, { error: "not found" });
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", () => resolve()));
  const controlPort = (control.address() as { port: number }).port;
  return {
    addresses: { tcpProxyControl: `http://127.0.0.1:${controlPort}` },
    stop: async () => {
      for (const s of sockets) s.destroy();
      for (const { server } of listeners.values()) await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => control.close(() => r()));
    },
  };
}
