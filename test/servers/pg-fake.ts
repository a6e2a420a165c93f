import { randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import type { Started } from "./index";

// Small PostgreSQL servers that misbehave on purpose, for what a real server will not do: written from
// the protocol chapter of the PostgreSQL documentation (message formats), not from any client.
//   cleartext: refuses TLS (N), asks for the password in cleartext (AuthenticationCleartextPassword)
//              and records every message it then receives;
//   midresult: trusts the client, answers a statement with a row description and two rows, then
//              closes the connection in the middle of the result;
//   badscram:  runs a SCRAM-SHA-256 exchange (RFC 5802/7677) but signs its final message with a key it
//              does not have (a server that does not know the password), then says AuthenticationOk.
// GET /stats?name=<server> -> { connections, messages: [type letters], passwords: number }
type Stats = { connections: number; messages: string[]; passwords: number };
type Behaviour = "cleartext" | "midresult" | "badscram";

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const cstr = (s: string) => Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);
const message = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, "ascii"), int32(body.length + 4), body]);
};
const authOk = () => message("R", int32(0));
const ready = () => message("Z", Buffer.from("I"));
const fatal = (code: string, text: string) =>
  message("E", Buffer.from("S"), cstr("FATAL"), Buffer.from("V"), cstr("FATAL"), Buffer.from("C"), cstr(code), Buffer.from("M"), cstr(text), Buffer.from([0]));
const rowDescription = (names: string[]) =>
  message("T", int16(names.length), ...names.flatMap((n) => [cstr(n), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)]));
const dataRow = (values: string[]) => message("D", int16(values.length), ...values.flatMap((v) => [int32(Buffer.byteLength(v)), Buffer.from(v)]));

function serve(behaviour: Behaviour, stats: Stats, socket: Socket) {
  stats.connections++;
  let buf = Buffer.alloc(0);
  let started = false;
  let described: boolean[] = [];
  socket.on("error", () => {});
  socket.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!started) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        buf = buf.subarray(len);
        if (code === 80877103) {
          socket.write("N"); // SSLRequest: no TLS here
          continue;
        }
        started = true;
        if (behaviour === "cleartext") socket.write(message("R", int32(3)));
        else if (behaviour === "badscram") socket.write(message("R", int32(10), cstr("SCRAM-SHA-256"), Buffer.from([0])));
        else socket.write(Buffer.concat([authOk(), message("S", cstr("server_version"), cstr("18.0 (fake)")), ready()]));
        continue;
      }
      if (buf.length < 5) return;
      const type = String.fromCharCode(buf[0]!);
      const len = buf.readInt32BE(1);
      if (buf.length < len + 1) return;
      const msgBody = buf.subarray(5, len + 1);
      buf = buf.subarray(len + 1);
      stats.messages.push(type);
      if (behaviour === "badscram") {
        if (type !== "p") return void socket.destroy();
        stats.passwords++;
        const body = msgBody.toString("latin1");
        const nonce = /r=([^,\0]+)/.exec(body)?.[1];
        if (body.startsWith("SCRAM-SHA-256") && nonce) {
          // server-first-message: our nonce extends the client's; salt and iteration count.
          socket.write(message("R", int32(11), Buffer.from(`r=${nonce}fakeServerNonce,s=${randomBytes(16).toString("base64")},i=4096`)));
        } else {
          socket.write(Buffer.concat([message("R", int32(12), Buffer.from(`v=${randomBytes(32).toString("base64")}`)), authOk(), ready()]));
        }
        continue;
      }
      if (behaviour === "cleartext") {
        if (type === "p") stats.passwords++;
        socket.end(fatal("28P01", "password authentication failed"));
        return;
      }
      if (type === "P") described.push(false);
      if (type === "D") described[described.length - 1] = true;
      if (type === "X") return void socket.end();
      if (type === "S") {
        const out: Buffer[] = [];
        for (const d of described) {
          out.push(message("1"), message("2"));
          if (!d) {
            out.push(message("C", cstr("SELECT 1")));
            continue;
          }
          out.push(rowDescription(["a", "b"]), dataRow(["1", "one"]), dataRow(["2", "two"]));
          break;
        }
        described = [];
        // The result stops here: no CommandComplete, no ReadyForQuery, the connection ends.
        socket.write(Buffer.concat(out), () => socket.destroy());
      }
    }
  });
}

export async function start(): Promise<Started> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const stats = new Map<string, Stats>();
  const addresses: Record<string, string> = {};
  for (const behaviour of ["cleartext", "midresult", "badscram"] as const) {
    const s: Stats = { connections: 0, messages: [], passwords: 0 };
    stats.set(behaviour, s);
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      serve(behaviour, s, socket);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    addresses[`pgFake_${behaviour}`] = String((server.address() as { port: number }).port);
  }
  const control = createHttpServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://fake").searchParams.get("name") ?? "";
    const s = stats.get(name);
    res.writeHead(s ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(s ?? { error: "no such server" }));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", () => resolve()));
  addresses.pgFakeStats = `http://127.0.0.1:${(control.address() as { port: number }).port}/stats`;
  return {
    addresses,
    stop: async () => {
      for (const s of sockets) s.destroy();
      for (const s of [...servers, control]) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
