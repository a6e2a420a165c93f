import { describe, expect, it } from "vitest";
import type { TestResult } from "../../src/connectors/types";
import { counters, MODES, newTag, outsider, owner, reader, servers, withSession, type Mode } from "./helpers";

const statuses = (r: TestResult) => r.steps.map((s) => `${s.name}:${s.status}`);
const noSecret = (r: TestResult, secret: string) => {
  const text = JSON.stringify(r);
  expect(text).not.toContain(secret);
  expect(text).not.toMatch(/postgres(ql)?:\/\//);
};

describe.each(MODES)("postgres connection test steps over %s", (mode: Mode) => {
  it("fails authenticate on a wrong password, without echoing it", async () => {
    const password = "Wr0ng-Pa55word-zz9";
    const r = await withSession(mode, (s) => s.test(), { creds: { user: owner().user, password } });
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual(["connect:passed", "authenticate:failed", "authorize:skipped", "sample:skipped"]);
    const step = r.steps[1]!;
    expect(step.code).toBe("auth_failed");
    expect(step.message).toMatch(/password authentication failed/i);
    noSecret(r, password);
  });

  it("fails authorize for an unknown database with a clear message", async () => {
    const r = await withSession(mode, (s) => s.test(), { config: { database: "no_such_database" } });
    expect(statuses(r)).toEqual(["connect:passed", "authenticate:passed", "authorize:failed", "sample:skipped"]);
    expect(r.steps[2]).toMatchObject({ code: "not_found" });
    expect(r.steps[2]!.message).toMatch(/database "no_such_database" does not exist/);
    noSecret(r, owner().password);
  });

  it("fails authorize for a database without CONNECT privilege", async () => {
    const r = await withSession(mode, (s) => s.test(), { config: { database: "locked_db" }, creds: outsider() });
    expect(statuses(r)).toEqual(["connect:passed", "authenticate:passed", "authorize:failed", "sample:skipped"]);
    expect(r.steps[2]).toMatchObject({ code: "permission_denied" });
    expect(r.steps[2]!.message).toMatch(/permission denied for database/);
  });

  it("fails authorize without USAGE on the default schema, passes with it", async () => {
    const denied = await withSession(mode, (s) => s.test(), { config: { schema: "restricted" }, creds: outsider() });
    expect(statuses(denied)).toEqual(["connect:passed", "authenticate:passed", "authorize:failed", "sample:skipped"]);
    expect(denied.steps[2]).toMatchObject({ code: "permission_denied" });
    expect(denied.steps[2]!.message).toContain("restricted");
    const allowed = await withSession(mode, (s) => s.test(), { config: { schema: "restricted" }, creds: reader() });
    expect(allowed.ok).toBe(true);
  });

  it("fails authorize for a default schema that does not exist", async () => {
    const r = await withSession(mode, (s) => s.test(), { config: { schema: "no_such_schema" } });
    expect(statuses(r)).toEqual(["connect:passed", "authenticate:passed", "authorize:failed", "sample:skipped"]);
    expect(r.steps[2]!.message).toMatch(/schema no_such_schema does not exist/);
  });

  it("fails connect when nothing listens at the address", async () => {
    // A port that was free when the servers started: the proxy's TCP connect, or the HTTP request, is refused.
    const closed = `http://127.0.0.1:1/sql`;
    const config = mode === "websocket" ? { port: 1 } : { httpEndpoint: closed };
    const r = await withSession(mode, (s) => s.test(), { config });
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual(["connect:failed", "authenticate:skipped", "authorize:skipped", "sample:skipped"]);
    expect(r.steps[0]!.code).toBe("unreachable");
    expect(r.steps[0]!.message).toMatch(/Could not reach/);
    noSecret(r, owner().password);
  });

  it("fails connect for a host name that does not resolve", async () => {
    const config = mode !== "http" ? { host: "no-such-host.invalid", port: 5432 } : { httpEndpoint: "http://no-such-host.invalid/sql" };
    const r = await withSession(mode, (s) => s.test(), { config });
    expect(statuses(r)).toEqual(["connect:failed", "authenticate:skipped", "authorize:skipped", "sample:skipped"]);
    expect(r.steps[0]!.code).toBe("unreachable");
    expect(r.steps[0]!.message).toContain("no-such-host.invalid");
  });

  it("with sslMode require: TLS to the server over tcp; a clear failed connect for an unencrypted endpoint otherwise", async () => {
    const r = await withSession(mode, (s) => s.test(), { config: { sslMode: "require" } });
    if (mode === "tcp") {
      // The embedded PostgreSQL serves TLS with the test CA's certificate (a server without TLS: tcp.test.ts).
      expect(r.ok).toBe(true);
      expect(r.steps[0]!.message).toBe("Reached the server over TCP with TLS");
    } else {
      expect(statuses(r)).toEqual(["connect:failed", "authenticate:skipped", "authorize:skipped", "sample:skipped"]);
      expect(r.steps[0]!.code).toBe("invalid_request");
      expect(r.steps[0]!.message).toMatch(/sslMode "require" needs an encrypted endpoint/);
    }
  });

  it("fails connect when the egress guard refuses the host", async () => {
    const { createConnectorContext, clampLimits } = await import("../../src/connectors/context");
    const ctx = createConnectorContext({ allowPrivateNetwork: false, timeoutMs: 5000, limits: clampLimits({}) });
    const tag = newTag();
    const r = await withSession(mode, (s) => s.test(), { ctx, tag });
    expect(statuses(r)[0]).toBe("connect:failed");
    expect(r.steps[0]!.code).toBe("host_not_allowed");
    // Refused before anything was opened: the proxy in front of the server saw no connection.
    expect((await counters(mode, tag)).connections).toBe(0);
    void servers;
  });
});
