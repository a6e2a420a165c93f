import { createServer, type IncomingMessage, type Server } from "node:http";
import { createRequire } from "node:module";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import type { RawData, WebSocketServer as WsServer } from "ws";
import type { Started } from "./index";

// The host a caller would like a stored secret sent to: a listener on 127.0.0.2 (a loopback address no
// other test server uses) that records everything that reaches it. Every TCP connection and its raw
// bytes; HTTP requests with their headers and body; WebSocket messages decoded (client frames are
// masked on the wire), where it plays a PostgreSQL server just far enough to ask for the password in
// clear text; and a plain TCP port that does the same for the direct TCP transport. The record is read from a control listener on 127.0.0.1 (GET /log), so reading it does
// not show up in it.
export type Recorded = { connections: number; entries: string[] };

const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: typeof WsServer };

const toBuffer = (data: RawData): Buffer =>
  Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? (data as Buffer) : Buffer.from(data as ArrayBuffer);

// PostgreSQL backend messages: AuthenticationCleartextPassword, then an error.
const askPassword = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);
function pgError(message: string): Buffer {
  const fields = Buffer.concat([Buffer.from(`SFATAL\0C28P01\0M${message}\0\0`, "latin1")]);
  const head = Buffer.alloc(5);
  head.write("E", 0, "latin1");
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

export async function start(): Promise<Started> {
  const record: Recorded = { connections: 0, entries: [] };
  const keep = (text: string) => record.entries.push(text.slice(0, 64 * 1024));
  const sockets = new Set<Socket>();

  const target: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      keep(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString("latin1")}`);
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: "recorded" }));
    });
  });
  target.on("connection", (socket: Socket) => {
    record.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (b: Buffer) => keep(`raw ${b.toString("latin1")}`));
  });
  const wss = new WebSocketServer({ noServer: true });
  target.on("upgrade", (req, socket, head) => {
    keep(`UPGRADE ${req.url}\n${JSON.stringify(req.headers)}`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      let asked = false;
      ws.on("message", (data: RawData) => {
        const bytes = toBuffer(data);
        keep(`ws ${bytes.toString("latin1")}`);
        // SSLRequest (length 8, code 80877103): no TLS here.
        if (bytes.length === 8 && bytes.readInt32BE(4) === 80877103) return ws.send(Buffer.from("N"));
        if (!asked) {
          asked = true;
          return ws.send(askPassword);
        }
        ws.send(pgError("recorded"));
        ws.close();
      });
    });
  });
  target.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => target.once("error", reject).listen(0, "127.0.0.2", resolve));

  // The same PostgreSQL act on a plain TCP port, for the direct TCP transport.
  const tcp = createTcpServer((socket) => {
    record.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let asked = false;
    socket.on("data", (bytes: Buffer) => {
      keep(`tcp ${bytes.toString("latin1")}`);
      if (bytes.length === 8 && bytes.readInt32BE(4) === 80877103) return void socket.write("N");
      if (!asked) {
        asked = true;
        return void socket.write(askPassword);
      }
      socket.end(pgError("recorded"));
    });
  });
  await new Promise<void>((resolve, reject) => tcp.once("error", reject).listen(0, "127.0.0.2", resolve));

  const control = createServer((req, res) => {
    if (req.url === "/log") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(record));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));

  const port = (target.address() as AddressInfo).port;
  return {
    addresses: {
      recorderHost: "127.0.0.2",
      recorderOrigin: `http://127.0.0.2:${port}`,
      recorderWsUrl: `ws://127.0.0.2:${port}`,
      recorderPort: String(port),
      recorderTcpPort: String((tcp.address() as AddressInfo).port),
      recorderLogUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}/log`,
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      wss.close();
      await Promise.all([target, control, tcp].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
