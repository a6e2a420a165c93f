import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { createRequire } from "node:module";
import type { WebSocket, RawData, WebSocketServer as WsServer } from "ws";
import type { Started } from "./index";

// A WebSocket-to-TCP proxy on loopback for the Neon driver's WebSocket Client
// (neonConfig.wsProxy; the driver connects to ws://<proxy>/<path>?address=<host>:<port>).
// Statistics are kept per URL path, so a test can use its own path (ws://127.0.0.1:P/t/<id>) and read
// GET /stats?key=/t/<id>. A path segment /delay-<ms> delays every client-to-server message by <ms>
// (for benchmarks); WS_PROXY_DELAY_MS does the same for every connection.
export type ProxyStats = {
  connections: number;
  clientMessages: number;
  serverMessages: number;
  bytesFromClient: number;
  bytesFromServer: number;
  // Times the client spoke after the server had spoken (or first): the round trips it waited for.
  turns: number;
  failedConnects: number;
};

const empty = (): ProxyStats => ({
  connections: 0,
  clientMessages: 0,
  serverMessages: 0,
  bytesFromClient: 0,
  bytesFromServer: 0,
  turns: 0,
  failedConnects: 0,
});

// Loaded with require: under the test runner an ESM import of "ws" can resolve to its browser stub.
const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: typeof WsServer };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (Buffer.isBuffer(data)) return data as Buffer;
  return Buffer.from(data as ArrayBuffer);
}

export async function start(): Promise<Started> {
  const stats = new Map<string, ProxyStats>();
  const statsFor = (key: string) => {
    let s = stats.get(key);
    if (!s) stats.set(key, (s = empty()));
    return s;
  };
  const sockets = new Set<Socket>();
  const envDelay = Number(process.env.WS_PROXY_DELAY_MS ?? 0) || 0;

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    if (req.method === "GET" && url.pathname === "/stats") {
      const key = url.searchParams.get("key");
      const body = key ? (stats.get(key) ?? empty()) : Object.fromEntries(stats);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      return;
    }
    if (req.method === "POST" && url.pathname === "/stats/reset") {
      stats.clear();
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end("not found");
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  http.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => handle(ws, req));
  });

  function handle(ws: WebSocket, req: IncomingMessage) {
    const url = new URL(req.url ?? "/", "http://proxy");
    const key = url.pathname;
    const s = statsFor(key);
    s.connections++;
    const address = url.searchParams.get("address") ?? "";
    const cut = address.lastIndexOf(":");
    const host = address.slice(0, cut).replace(/^\[|\]$/g, "");
    const port = Number(address.slice(cut + 1));
    const delay = Number(/\/delay-(\d+)/.exec(key)?.[1] ?? envDelay) || 0;
    if (cut <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
      s.failedConnects++;
      ws.close(1008, "address must be host:port");
      return;
    }
    let last: "client" | "server" = "server";
    let chain: Promise<void> = Promise.resolve();
    const tcp = connect({ host, port });
    sockets.add(tcp);
    tcp.setNoDelay(true);
    let connected = false;
    tcp.on("connect", () => {
      connected = true;
    });
    ws.on("message", (data) => {
      const buf = toBuffer(data);
      s.clientMessages++;
      s.bytesFromClient += buf.length;
      if (last !== "client") s.turns++;
      last = "client";
      chain = chain.then(async () => {
        if (delay) await sleep(delay);
        if (!tcp.destroyed) tcp.write(buf);
      });
    });
    tcp.on("data", (buf) => {
      s.serverMessages++;
      s.bytesFromServer += buf.length;
      last = "server";
      if (ws.readyState === ws.OPEN) ws.send(buf);
    });
    tcp.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected) s.failedConnects++;
      if (ws.readyState === ws.OPEN) ws.close(1011, (err.code ?? "connect failed").slice(0, 100));
    });
    tcp.on("close", () => {
      sockets.delete(tcp);
      if (ws.readyState === ws.OPEN) ws.close(1000);
    });
    ws.on("close", () => tcp.destroy());
    ws.on("error", () => tcp.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    addresses: {
      wsProxyUrl: `ws://127.0.0.1:${port}`,
      wsProxyHost: "127.0.0.1",
      wsProxyPort: String(port),
      wsProxyStatsUrl: `http://127.0.0.1:${port}/stats`,
    },
    stop: async () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
