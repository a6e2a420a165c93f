// A TCP proxy on loopback that holds every chunk for `delayMs` before passing it on, in both
// directions, keeping order. With 50 ms each way a request/response exchange costs one 100 ms round
// trip, as if the warehouse were far away. The TCP handshake itself is local (the kernel accepts at
// once), so a new connection costs no extra round trip here, unlike a real network (and no TLS).
// Counts connections, bytes, and "turns": the times a client spoke after the server had answered
// (or first) on a connection, i.e. the request/response round trips the client waited for.
import { createServer, connect, type Socket } from "node:net";

export type ProxyCounters = { connections: number; turns: number; bytesUp: number; bytesDown: number };

export async function startDelayProxy(target: { host: string; port: number }, delayMs = 0) {
  const counters: ProxyCounters = { connections: 0, turns: 0, bytesUp: 0, bytesDown: 0 };
  const sockets = new Set<Socket>();
  const state = { delayMs };
  const later = (fn: () => void) => (state.delayMs > 0 ? setTimeout(fn, state.delayMs) : fn());

  const server = createServer((client) => {
    counters.connections++;
    let last: "client" | "server" = "server";
    const upstream = connect(target);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    client.on("data", (chunk) => {
      counters.bytesUp += chunk.length;
      if (last === "server") counters.turns++;
      last = "client";
      later(() => upstream.destroyed || upstream.write(chunk));
    });
    upstream.on("data", (chunk) => {
      counters.bytesDown += chunk.length;
      last = "server";
      later(() => client.destroyed || client.write(chunk));
    });
    client.on("end", () => later(() => upstream.end()));
    upstream.on("end", () => later(() => client.end()));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", () => later(close));
    upstream.on("close", () => later(close));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    origin: `127.0.0.1:${port}`,
    counters,
    setDelay(ms: number) {
      state.delayMs = ms;
    },
    snapshot: (): ProxyCounters => ({ ...counters }),
    // Drops open connections (so the next call starts cold, as a new isolate's would).
    dropConnections() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
export type DelayProxy = Awaited<ReturnType<typeof startDelayProxy>>;
