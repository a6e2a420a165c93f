import { afterEach, describe, expect, it, vi } from "vitest";
import { message, Writer } from "../../src/connectors/postgres/wire/bytes";
import { WireClient } from "../../src/connectors/postgres/wire/client";
import { md5Hex, md5Password } from "../../src/connectors/postgres/wire/md5";
import { commandTag, dataRow, rowDescription } from "../../src/connectors/postgres/wire/messages";
import { chooseMechanism, ScramClient, ScramError } from "../../src/connectors/postgres/wire/scram";

// Unit tests of the small PostgreSQL wire client: MD5, SCRAM-SHA-256 (RFC 7677's example), message
// parsing, and the framing and bounds of the client against a scripted fake WebSocket.

describe("md5", () => {
  it("matches RFC 1321's test suite", () => {
    expect(md5Hex("")).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(md5Hex("a")).toBe("0cc175b9c0f1b6a831c399e269772661");
    expect(md5Hex("abc")).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(md5Hex("message digest")).toBe("f96b697d7cb7938d525a2f31aaf161d0");
    expect(md5Hex("abcdefghijklmnopqrstuvwxyz")).toBe("c3fcd3d76192e4007dfb496cca67e13b");
    expect(md5Hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890")).toBe(
      "57edf4a22be3c955ac49da2e2107b67a",
    );
  });

  it("handles the padding boundaries (55, 56 and 64 bytes)", () => {
    expect(md5Hex("x".repeat(55))).toBe("04364420e25c512fd958a70738aa8f72");
    expect(md5Hex("x".repeat(56))).toBe("668a72d5ba17f08e62dabcafad6db14b");
    expect(md5Hex("x".repeat(64))).toBe("c1bb4f81d892b2d57947682aeb252456");
  });

  it("builds PostgreSQL's md5 password message", () => {
    expect(md5Password("user", "pencil", new Uint8Array([1, 2, 3, 4]))).toBe("md54376eb6913b38f9aaff38dc7cf19ca76");
  });
});

describe("SCRAM-SHA-256", () => {
  // RFC 7677, section 3.
  const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const rfc = () => new ScramClient("pencil", "rOprNGfwEbeRWgbNEkqO", "user");

  it("reproduces RFC 7677's exchange", async () => {
    const c = rfc();
    expect(c.clientFirst()).toBe("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    expect(await c.clientFinal(serverFirst)).toBe(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    );
    expect(() => c.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).not.toThrow();
  });

  it("refuses a wrong server signature and a server error", async () => {
    const c = rfc();
    await c.clientFinal(serverFirst);
    expect(() => c.verifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).toThrow(/signature is wrong/);
    expect(() => c.verifyServerFinal("e=invalid-proof")).toThrow(/invalid-proof/);
    expect(() => rfc().verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).toThrow(ScramError);
  });

  it("refuses a nonce that does not extend the client's, and absurd iteration counts", async () => {
    await expect(rfc().clientFinal("r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")).rejects.toThrow(/nonce/);
    await expect(rfc().clientFinal("r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0")).rejects.toThrow(/iteration/);
    await expect(rfc().clientFinal("r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999")).rejects.toThrow(/iteration/);
  });

  it("uses a fresh random nonce by default", () => {
    const a = new ScramClient("p").clientFirst();
    const b = new ScramClient("p").clientFirst();
    expect(a).toMatch(/^n,,n=,r=[A-Za-z0-9+/=]{24}$/);
    expect(a).not.toBe(b);
  });

  it("chooses plain SCRAM-SHA-256 and refuses a server that only offers channel binding", () => {
    expect(chooseMechanism(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])).toBe("SCRAM-SHA-256");
    expect(() => chooseMechanism(["SCRAM-SHA-256-PLUS"])).toThrow(/channel binding/);
    expect(() => chooseMechanism(["OTHER"])).toThrow(/no supported SASL mechanism/);
  });
});

describe("backend messages", () => {
  it("parses command tags as command and row count", () => {
    const tag = (s: string) => commandTag(new Writer().cstr(s).done());
    expect(tag("SELECT 5")).toEqual({ command: "SELECT", rowCount: 5 });
    expect(tag("INSERT 0 3")).toEqual({ command: "INSERT", rowCount: 3 });
    expect(tag("CREATE TABLE")).toEqual({ command: "CREATE", rowCount: null });
    expect(tag("BEGIN")).toEqual({ command: "BEGIN", rowCount: null });
  });

  it("parses row descriptions and data rows (text, null)", () => {
    const desc = new Writer().int16(2);
    for (const [name, oid] of [["id", 23], ["naïve", 25]] as const) desc.cstr(name).int32(0).int16(0).int32(oid).int16(-1).int32(-1).int16(0);
    expect(rowDescription(desc.done())).toEqual([
      { name: "id", dataTypeID: 23 },
      { name: "naïve", dataTypeID: 25 },
    ]);
    const text = new TextEncoder().encode("héllo");
    const row = new Writer().int16(3).int32(text.length).bytes(text).int32(-1).int32(0).done();
    expect(dataRow(row)).toEqual(["héllo", null, ""]);
  });
});

// A scripted WebSocket: answers each frame the client sends with the frames the script returns.
class FakeSocket extends EventTarget {
  static script: (sent: Uint8Array, socket: FakeSocket) => Uint8Array[] = () => [];
  static last: FakeSocket | null = null;
  binaryType = "arraybuffer";
  sent: Uint8Array[] = [];
  closed = false;
  constructor(readonly url: string) {
    super();
    FakeSocket.last = this;
    queueMicrotask(() => this.dispatchEvent(new Event("open")));
  }
  send(data: Uint8Array) {
    this.sent.push(data);
    const replies = FakeSocket.script(data, this);
    setTimeout(() => {
      for (const r of replies) this.push(r);
    }, 0);
  }
  push(bytes: Uint8Array) {
    const ev = new MessageEvent("message", { data: bytes.slice().buffer });
    this.dispatchEvent(ev);
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    const ev = new Event("close") as Event & { code: number; reason: string };
    Object.assign(ev, { code: 1000, reason: "" });
    this.dispatchEvent(ev);
  }
}

const msg = (type: string, body: (w: Writer) => void) => message(new Writer(), type, body).done();
const authOk = () => msg("R", (w) => w.int32(0));
const ready = () => msg("Z", (w) => w.int8(0x49));
const paramStatus = () => msg("S", (w) => w.cstr("server_version").cstr("17.0"));
const selectResult = (rows: string[]) => {
  const parts = [msg("T", (w) => w.int16(1).cstr("v").int32(0).int16(0).int32(25).int16(-1).int32(-1).int16(0))];
  for (const r of rows) parts.push(msg("D", (w) => w.int16(1).int32(new TextEncoder().encode(r).length).bytes(new TextEncoder().encode(r))));
  parts.push(msg("C", (w) => w.cstr(`SELECT ${rows.length}`)), ready());
  return parts;
};
const opts = { user: "u", password: "p", database: "d" };

describe("wire client framing and bounds", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("reassembles messages split across and packed into frames", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    FakeSocket.script = (sent) => {
      if (sent[0] === 0) return [new Uint8Array([...authOk(), ...paramStatus(), ...ready()])]; // startup
      const all = new Uint8Array(selectResult(["a", "bb", "ccc"]).flatMap((x) => [...x]));
      return Array.from({ length: all.length }, (_, i) => all.subarray(i, i + 1)); // one byte per frame
    };
    const c = await WireClient.connect("ws://x/", opts);
    expect(c.parameters.get("server_version")).toBe("17.0");
    const r = await c.simpleQuery("SELECT");
    expect(r).toEqual({ fields: [{ name: "v", dataTypeID: 25 }], rows: [["a"], ["bb"], ["ccc"]], command: "SELECT", rowCount: 3 });
    c.close();
    expect(FakeSocket.last!.sent.at(-1)).toEqual(new Uint8Array([0x58, 0, 0, 0, 4])); // Terminate
  });

  it("refuses a message that declares 1 GiB or more", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    FakeSocket.script = (sent) => (sent[0] === 0 ? [new Uint8Array([0x52, 0x40, 0, 0, 0])] : []);
    await expect(WireClient.connect("ws://x/", opts)).rejects.toThrow(/unacceptable length/);
  });

  it("answers MD5 and cleartext password requests", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const seen: string[] = [];
    for (const request of [msg("R", (w) => w.int32(5).bytes(new Uint8Array([1, 2, 3, 4]))), msg("R", (w) => w.int32(3))]) {
      FakeSocket.script = (sent) => {
        if (sent[0] === 0) return [request];
        if (sent[0] === 0x70) seen.push(new TextDecoder().decode(sent.subarray(5, -1))); // PasswordMessage
        return [authOk(), ready()];
      };
      (await WireClient.connect("ws://x/", { user: "user", password: "pencil", database: "d" })).close();
    }
    expect(seen).toEqual(["md54376eb6913b38f9aaff38dc7cf19ca76", "pencil"]);
  });

  it("stops reading rows at the byte limit: truncating, or closing the connection", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    FakeSocket.script = (sent) => (sent[0] === 0 ? [authOk(), ready()] : selectResult(["x".repeat(100), "y".repeat(100), "z".repeat(100)]));
    const c = await WireClient.connect("ws://x/", opts);
    const r = await c.simpleQuery("SELECT", { bytes: 150, mode: "truncate" });
    expect(r.rows.map((x) => x[0]![0])).toEqual(["x", "y"]); // kept until just past the limit
    await expect(c.simpleQuery("SELECT", { bytes: 150, mode: "fail" })).rejects.toThrow(/larger than the response limit/);
    expect(c.closed).toBe(true);
  });

  it("reports server errors with their SQLSTATE and stays usable", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    let n = 0;
    FakeSocket.script = (sent) => {
      if (sent[0] === 0) return [authOk(), ready()];
      if (n++ === 0) return [msg("E", (w) => w.int8(0x53).cstr("ERROR").int8(0x43).cstr("22012").int8(0x4d).cstr("division by zero").int8(0)), ready()];
      return selectResult(["ok"]);
    };
    const c = await WireClient.connect("ws://x/", opts);
    await expect(c.extendedQuery("SELECT 1/0", [], "s1")).rejects.toMatchObject({ code: "22012", message: "division by zero" });
    expect((await c.extendedQuery("SELECT $1", ["ok"])).rows).toEqual([["ok"]]);
  });
});
