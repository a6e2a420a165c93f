import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import { postgresConnector } from "../../src/connectors/postgres/index";
import { resolveTransport } from "../../src/connectors/postgres/transport";
import { counters, makeCtx, newTag, owner, servers, withSession } from "./helpers";

// What only the tcp transport does: the choice of `auto`, the authentication methods it reports, the
// refusal to send a cleartext password without TLS, a result cut off by the server, and the deadline
// closing the socket. (Everything else runs over tcp in the shared suites: operations, test steps,
// read-only layers, types, round trips, the connector contract.)

const statuses = (steps: Array<{ name: string; status: string }>) => steps.map((s) => `${s.name}:${s.status}`);
const fakeStats = async (name: string) =>
  (await (await fetch(`${servers.pgFakeStats}?name=${name}`)).json()) as { connections: number; messages: string[]; passwords: number };
const parse = (c: Record<string, unknown>) => postgresConnector.config.parse({ database: "d", ...c });

describe("transport auto", () => {
  it("picks http for Neon hosts and httpEndpoint, websocket for a proxy, tcp otherwise", () => {
    expect(resolveTransport(parse({ host: "ep-x-123.us-east-2.aws.neon.tech" })).kind).toBe("http");
    expect(resolveTransport(parse({ host: "db.example.com", httpEndpoint: "https://sql.example.com/sql" })).kind).toBe("http");
    expect(resolveTransport(parse({ host: "db.example.com", webSocketProxy: "wss://proxy.example.com" })).kind).toBe("websocket");
    expect(resolveTransport(parse({ host: "db.example.com" }))).toEqual({ kind: "tcp", sslMode: "require" });
    expect(resolveTransport(parse({ host: "db.example.com", transport: "tcp", sslMode: "verify-full" }))).toEqual({ kind: "tcp", sslMode: "verify-full" });
    // An explicit transport wins over what auto would pick.
    expect(resolveTransport(parse({ host: "ep-x-123.us-east-2.aws.neon.tech", transport: "tcp" })).kind).toBe("tcp");
    expect(() => resolveTransport(parse({ host: "db.example.com", transport: "websocket" }))).toThrow(/needs webSocketProxy/);
  });

  it("names only the database host for the egress check over tcp", () => {
    expect(postgresConnector.hosts(parse({ host: "db.example.com", port: 6543 }))).toEqual(["db.example.com"]);
  });
});

describe("authentication over tcp", () => {
  it("reports SCRAM-SHA-256 for a SCRAM role", async () => {
    const r = await withSession("tcp", (s) => s.test());
    expect(r.ok).toBe(true);
    expect(r.steps[1]!.message).toMatch(/with SCRAM-SHA-256/);
    expect(r.serverVersion).toMatch(/^18/);
  });

  it("authenticates an MD5 role and reports MD5 as a weak method", async () => {
    const r = await withSession("tcp", (s) => s.test(), { creds: { user: servers.pgMd5User!, password: servers.pgMd5Password! } });
    expect(r.ok).toBe(true);
    expect(r.steps[1]).toMatchObject({ name: "authenticate", status: "passed" });
    expect(r.steps[1]!.message).toMatch(/with MD5, a weak method/);
  });

  it("fails authenticate on a wrong MD5 password", async () => {
    const r = await withSession("tcp", (s) => s.test(), { creds: { user: servers.pgMd5User!, password: "not-the-md5-password" } });
    expect(statuses(r.steps)).toEqual(["connect:passed", "authenticate:failed", "authorize:skipped", "sample:skipped"]);
  });

  it("fails authenticate when the server's SCRAM signature is wrong (it does not know the password)", async () => {
    const password = "Scram-Checked-Pw-99";
    const before = await fakeStats("badscram");
    const r = await withSession("tcp", (s) => s.test(), {
      config: { port: Number(servers.pgFake_badscram), sslMode: "disable" },
      creds: { user: "someone", password },
    });
    expect(statuses(r.steps)).toEqual(["connect:passed", "authenticate:failed", "authorize:skipped", "sample:skipped"]);
    expect(r.steps[1]).toMatchObject({ code: "auth_failed" });
    expect(r.steps[1]!.message).toMatch(/server signature does not match/);
    expect(JSON.stringify(r)).not.toContain(password);
    // Both SCRAM messages went out (the proof, never the password), and nothing after the bad signature.
    const after = await fakeStats("badscram");
    expect(after.passwords - before.passwords).toBe(2);
    expect(after.messages.slice(before.messages.length)).toEqual(["p", "p"]);
  });

  it("does not send the password to a server that asks for it in cleartext without TLS", async () => {
    const password = "Never-Sent-In-Clear-77";
    const before = await fakeStats("cleartext");
    const r = await withSession("tcp", (s) => s.test(), {
      config: { port: Number(servers.pgFake_cleartext), sslMode: "disable" },
      creds: { user: "someone", password },
    });
    expect(statuses(r.steps)).toEqual(["connect:passed", "authenticate:failed", "authorize:skipped", "sample:skipped"]);
    expect(r.steps[1]).toMatchObject({ code: "auth_failed" });
    expect(r.steps[1]!.message).toMatch(/asked for the password in cleartext over an unencrypted connection, so it was not sent/);
    expect(JSON.stringify(r)).not.toContain(password);
    const after = await fakeStats("cleartext");
    expect(after.connections).toBe(before.connections + 1);
    // The server received nothing after its request: no PasswordMessage.
    expect(after.passwords).toBe(0);
    expect(after.messages.length).toBe(before.messages.length);
  });

  it("refuses a server that does not accept TLS under sslMode require, without falling back", async () => {
    const before = await fakeStats("cleartext");
    const r = await withSession("tcp", (s) => s.test(), {
      config: { port: Number(servers.pgFake_cleartext), sslMode: "require" },
      creds: { user: "someone", password: "Not-Sent-Either-88" },
    });
    expect(statuses(r.steps)).toEqual(["connect:failed", "authenticate:skipped", "authorize:skipped", "sample:skipped"]);
    expect(r.steps[0]!.message).toMatch(/did not accept TLS \(sslMode "require"\)/);
    const after = await fakeStats("cleartext");
    expect(after.messages.length).toBe(before.messages.length); // no startup message went out in the clear
  });
});

describe("TLS over tcp", () => {
  // The embedded PostgreSQL serves a certificate from the tests' own CA, which workerd trusts
  // (vitest.config.ts): the Worker's TLS socket checks the chain and the host name like any other.
  it.each(["require", "verify-full"] as const)("connects with sslMode %s and runs everything encrypted", async (sslMode) => {
    const tag = newTag();
    const r = await withSession("tcp", async (s) => {
      const test = await s.test();
      const ssl = await s.query!({ sql: "SELECT ssl::text, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()", maxRows: 1, timeoutMs: 5000 });
      return { test, ssl: ssl.rows[0] };
    }, { tag, config: { sslMode } });
    expect(r.test.ok, JSON.stringify(r.test.steps)).toBe(true);
    expect(r.test.steps[0]!.message).toBe("Reached the server over TCP with TLS");
    expect(r.ssl).toEqual(["true", expect.stringMatching(/^TLSv1\.[23]$/)]);
    // Over TLS the bytes at the proxy are not the protocol in the clear: the startup message's user is not readable.
    expect((await counters("tcp", tag)).bytes).toBeGreaterThan(0);
  });

  it("fails connect when the certificate does not name the host (verify-full and require alike)", async () => {
    // "127.0.0.2" reaches the same server (loopback), whose certificate names only localhost and 127.0.0.1.
    const r = await withSession("tcp", (s) => s.test(), { config: { host: "127.0.0.2", port: Number(servers.pgPort), sslMode: "require" } });
    expect(statuses(r.steps)).toEqual(["connect:failed", "authenticate:skipped", "authorize:skipped", "sample:skipped"]);
    expect(r.steps[0]!.message).toMatch(/TLS handshake with 127\.0\.0\.2:\d+ failed/);
  });
});

describe("preflight over tcp", () => {
  it("runs the preflight in the statement's read-only transaction, and a failing one stops the statement", async () => {
    const { openTcpTransport } = await import("../../src/connectors/postgres/tcp-transport");
    const ctx = makeCtx();
    const t = await openTcpTransport({ host: servers.pgHost!, port: Number(servers.pgPort), database: servers.pgDatabase!, ...owner() }, "disable", ctx);
    try {
      const ok = await t.query("SELECT current_setting('app.probe', true)", [], {
        readOnlyTransaction: true, timeoutMs: 5000, preflight: { sql: "SELECT set_config('app.probe', $1, true)", params: ["seen"] },
      });
      expect(ok.rows).toEqual([["seen"]]);
      // The statement would sleep 5 s: the preflight's error keeps it from running at all.
      const started = Date.now();
      const err = await t.query("SELECT pg_sleep(5)::text", [], {
        readOnlyTransaction: true, timeoutMs: 10000, preflight: { sql: "SELECT 1 / $1::int", params: [0] },
      }).catch((e: unknown) => e);
      expect((err as ConnectorError).detail.engineCode).toBe("22012");
      expect(Date.now() - started).toBeLessThan(2000);
      // The session goes on afterwards.
      expect((await t.query("SELECT 1::text", [], { readOnlyTransaction: true, timeoutMs: 5000 })).rows).toEqual([["1"]]);
    } finally {
      await t.close();
    }
  });
});

describe("failures over tcp", () => {
  it("fails a statement whose result the server cuts off, without partial rows", async () => {
    const err = await withSession(
      "tcp",
      (s) => s.query!({ sql: "SELECT a, b FROM t", maxRows: 10, timeoutMs: 5000 }).then(
        (rs) => rs,
        (e: unknown) => e,
      ),
      { config: { port: Number(servers.pgFake_midresult) }, creds: { user: "u", password: "p" } },
    );
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe("unreachable");
    expect((err as ConnectorError).message).toMatch(/Could not reach 127\.0\.0\.1:\d+/);
  });

  it("closes the socket at the deadline", async () => {
    const tag = newTag();
    const started = Date.now();
    const err = await withSession(
      "tcp",
      (s) => s.query!({ sql: "SELECT pg_sleep(20)::text", maxRows: 1, timeoutMs: 20000 }).catch((e: unknown) => e),
      { tag, ctx: makeCtx({ timeoutMs: 1500 }) },
    );
    expect((err as ConnectorError).code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(5000);
    // The connection is gone at the proxy in front of the server (closed by us, not by the server).
    for (let i = 0; i < 50 && (await counters("tcp", tag)).connections === 0; i++) await new Promise((r) => setTimeout(r, 20));
    let open = 1;
    for (let i = 0; i < 50 && open > 0; i++) {
      open = ((await (await fetch(`${servers.tcpProxyControl}/stats?tag=${tag}`)).json()) as { open: number }).open;
      if (open > 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(open).toBe(0);
  });
});
