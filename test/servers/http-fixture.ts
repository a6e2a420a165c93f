import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Started } from "./index";

// A small HTTP server for the guarded fetch's real-network tests: redirects on the same host and to
// another loopback host (127.0.0.2, the same server), a slow answer, a plain one, and an endless-looking
// JSON body of ?bytes=N (for response caps: what a hostile or broken endpoint could send).
export async function start(): Promise<Started> {
  const hits: Record<string, number> = {};
  const handler = (server: () => Server) => (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    hits[url.pathname] = (hits[url.pathname] ?? 0) + 1;
    const port = (server().address() as AddressInfo).port;
    switch (url.pathname) {
      case "/ok":
        res.writeHead(200, { "content-type": "text/plain" }).end(`ok ${req.method}`);
        return;
      case "/redirect-same":
        res.writeHead(302, { location: "/ok" }).end();
        return;
      case "/redirect-loop":
        res.writeHead(302, { location: "/redirect-loop" }).end();
        return;
      case "/redirect-other":
        res.writeHead(302, { location: `http://127.0.0.2:${port}/ok?secret=abc` }).end();
        return;
      case "/slow":
        setTimeout(() => res.writeHead(200).end("late"), Number(url.searchParams.get("ms") ?? 5000)).unref();
        return;
      case "/big": {
        const total = Number(url.searchParams.get("bytes") ?? 0);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        res.writeHead(200, { "content-type": "application/json" });
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
            sent += part.length;
            if (!res.write(part)) return void res.once("drain", pump);
          }
          res.end();
        };
        res.on("close", () => (sent = total));
        pump();
        return;
      }
      case "/hits":
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(hits));
        return;
      default:
        res.writeHead(404).end();
    }
  };
  // Two listeners on loopback only: 127.0.0.1 and 127.0.0.2 on the same port, one handler.
  let server: Server;
  server = createServer(handler(() => server));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const other = createServer(handler(() => server));
  await new Promise<void>((resolve, reject) => other.once("error", reject).listen(port, "127.0.0.2", resolve));
  const close = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    addresses: { httpFixtureUrl: `http://127.0.0.1:${port}` },
    stop: async () => {
      await Promise.all([close(server), close(other)]);
    },
  };
}
