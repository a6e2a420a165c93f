import { describe, expect, it } from "vitest";
import { pemToPkcs8 } from "../../src/connectors/snowflake/pkcs8";
import { KeyPairJwt } from "../../src/connectors/snowflake/jwt";
import { servers, violations } from "./helpers";

// The contract server rejects what Snowflake rejects (checked with raw requests), and its own
// responses stay within the vendor OpenAPI document (self-check, violations must be zero).

const enc = new TextEncoder();
const b64url = (b: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(b instanceof Uint8Array ? b : new Uint8Array(b)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const j64 = (v: unknown) => b64url(enc.encode(JSON.stringify(v)));

async function fingerprint(): Promise<string> {
  const jwt = new KeyPairJwt({ jwtAccount: "TESTORG-TESTACCT", user: "TEST_USER", privateKey: servers.snowflakePrivateKey! });
  return jwt.fingerprint();
}

async function sign(payload: Record<string, unknown>, pem = servers.snowflakePrivateKey!): Promise<string> {
  const key = await crypto.subtle.importKey("pkcs8", await pemToPkcs8(pem), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  const input = `${j64({ alg: "RS256", typ: "JWT" })}.${j64(payload)}`;
  return `${input}.${b64url(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, enc.encode(input)))}`;
}

async function claims(over: Record<string, unknown> = {}) {
  const fp = await fingerprint();
  const now = Math.floor(Date.now() / 1000);
  return { iss: `TESTORG-TESTACCT.TEST_USER.${fp}`, sub: "TESTORG-TESTACCT.TEST_USER", iat: now, exp: now + 600, ...over };
}

const url = (path = "/api/v2/statements") => `${servers.snowflakeEndpoint}/s/contract${path}`;

async function post(token: string | null, body: unknown, headers: Record<string, string> = {}, query = "") {
  const h: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json",
    "User-Agent": "contract-test/1.0",
    "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT",
    ...headers,
  };
  if (token) h.Authorization = `Bearer ${token}`;
  for (const [k, v] of Object.entries(headers)) if (v === "") delete h[k];
  const res = await fetch(url() + query, { method: "POST", headers: h, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const ok = { statement: "select 1 as x", warehouse: "TEST_WH" };

describe("snowflake contract server", () => {
  it("verifies JWTs: signature, claims, lifetime, expiry (seconds or milliseconds)", async () => {
    const good = await post(await sign(await claims()), ok);
    expect(good.status).toBe(200);
    expect(good.body.data).toEqual([["1"]]);
    expect(good.headers.get("link")).toContain('rel="first"');

    const now = Math.floor(Date.now() / 1000);
    const ms = await post(await sign(await claims({ iat: now * 1000, exp: (now + 600) * 1000 })), ok);
    expect(ms.status).toBe(200);

    const cases: Array<[string, Record<string, unknown>, string?]> = [
      ["lifetime over one hour", { iat: now, exp: now + 3601 }],
      ["lowercase account", { iss: `testorg-testacct.TEST_USER.${await fingerprint()}`, sub: "testorg-testacct.TEST_USER" }],
      ["sub not matching iss", { sub: "TESTORG-TESTACCT.OTHER" }],
      ["wrong fingerprint", { iss: "TESTORG-TESTACCT.TEST_USER.SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }],
      ["account with region", { iss: `XY12345.US-EAST-2.AWS.TEST_USER.${await fingerprint()}`, sub: "XY12345.US-EAST-2.AWS.TEST_USER" }],
    ];
    for (const [label, over] of cases) {
      const r = await post(await sign(await claims(over)), ok);
      expect([label, r.status, r.body.code]).toEqual([label, 401, "390144"]);
      expect(r.body.message).toMatch(/^JWT token is invalid\. \[[0-9a-f-]{36}\]$/);
    }
    const forged = await post(await sign(await claims(), servers.snowflakeUnregisteredPrivateKey!), ok);
    expect(forged.body.code).toBe("390144");

    const expired = await post(await sign(await claims({ iat: now - 3000, exp: now - 60 })), ok);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ code: "390198", message: expect.stringMatching(/^Keypair access token expired\./) });
  });

  it("requires the documented headers and a JSON payload", async () => {
    const token = await sign(await claims());
    expect((await post(null, ok)).status).toBe(401);
    expect((await post(token, ok, { "User-Agent": "" })).status).toBe(400);
    expect((await post(token, ok, { "Content-Type": "text/plain" })).status).toBe(415);
    const bad = await post(token, "{not json");
    expect(bad).toMatchObject({ status: 400, body: { code: "390142", message: "Incoming request does not contain a valid payload." } });
    const wrongMethod = await fetch(url(), { method: "GET", headers: { Authorization: `Bearer ${token}` } });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.text()).toBe("");
    expect((await fetch(`${servers.snowflakeEndpoint}/api/v2/hello`)).status).toBe(404);
  });

  it("validates timeout, MULTI_STATEMENT_COUNT and requestId; ignores unknown fields", async () => {
    const token = await sign(await claims());
    expect((await post(token, { ...ok, timeout: -1 })).status).toBe(400);
    expect((await post(token, { ...ok, timeout: 604801 })).status).toBe(400);
    expect((await post(token, { ...ok, timeout: 0 })).status).toBe(200);
    expect((await post(token, { ...ok, resultSetMetaData: { format: "json" }, somethingNew: 1 }, {}, "?pageSize=10")).status).toBe(200);
    const two = await post(token, { ...ok, statement: "select 1; select 2" });
    expect(two.status).toBe(422);
    expect(two.body).toMatchObject({ message: "Actual statement count 2 did not match the desired statement count 1.", statementHandle: expect.any(String) });
    const explicit = await post(token, { ...ok, statement: "select 1; select 2", parameters: { MULTI_STATEMENT_COUNT: "1" } });
    expect(explicit.body.message).toContain("did not match the desired statement count 1");
    const lower = await post(token, { ...ok, statement: "select 1; select 2; select 3", parameters: { multi_statement_count: 2 } });
    expect(lower.body.message).toBe("Actual statement count 3 did not match the desired statement count 2.");
    expect((await post(token, ok, {}, "?requestId=not-a-uuid")).status).toBe(400);
    const bind = await post(token, { ...ok, statement: "select ? as x", bindings: { "1": { type: "FIXED", value: "abc" } } });
    expect(bind).toMatchObject({ status: 422, body: { code: "100037", sqlState: "22018" } });
  });

  it("answers 202 with async=true, serves partitions gzip-encoded and cancels", async () => {
    const token = await sign(await claims());
    const accepted = await post(token, { ...ok, statement: "select 2 as y" }, {}, "?async=true");
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ code: "333334", statementHandle: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const h = { Authorization: `Bearer ${token}`, Accept: "application/json", "User-Agent": "contract-test/1.0", "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT" };
    let res: Response;
    do res = await fetch(url(`/api/v2/statements/${accepted.body.statementHandle}`), { headers: h });
    while (res.status === 202);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toEqual([["2"]]);
    const unknown = await fetch(url(`/api/v2/statements/01000000-0000-0000-0000-000000000000/cancel`), { method: "POST", headers: h });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ code: "000709", sqlState: "02000" });
  });

  it("kept every response it sent within the vendor spec (self-check)", async () => {
    const v = await violations();
    expect(v.specLoaded).toBe(true);
    expect(v.checked).toBeGreaterThan(5);
    expect(v.violations).toEqual([]);
  });
});
