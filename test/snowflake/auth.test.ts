import { describe, expect, it } from "vitest";
import { normaliseAccount } from "../../src/connectors/snowflake/account";
import { snowflakeError } from "../../src/connectors/snowflake/errors";
import { JWT_LIFETIME_SECONDS, KeyPairJwt } from "../../src/connectors/snowflake/jwt";
import type { TestResult } from "../../src/connectors/types";
import { caught, expectNoSecrets, expireToken, keyPair, mintToken, oauth, pat, scope, servers } from "./helpers";

const claims = (jwt: string) => JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
const stepStatus = (r: TestResult) => Object.fromEntries(r.steps.map((s) => [s.name, s.status]));
const messages = (r: TestResult) => r.steps.map((s) => s.message).join("\n");

describe("snowflake account identifiers", () => {
  it("normalises organisation-account, locator and dotted forms for the host and the JWT", () => {
    expect(normaliseAccount("myorg-myaccount")).toEqual({ host: "myorg-myaccount.snowflakecomputing.com", jwtAccount: "MYORG-MYACCOUNT" });
    expect(normaliseAccount("xy12345.us-east-2.aws")).toEqual({ host: "xy12345.us-east-2.aws.snowflakecomputing.com", jwtAccount: "XY12345" });
    expect(normaliseAccount("XY12345.east-us-2.azure.snowflakecomputing.com")).toEqual({
      host: "xy12345.east-us-2.azure.snowflakecomputing.com",
      jwtAccount: "XY12345",
    });
    expect(normaliseAccount("xy12345")).toEqual({ host: "xy12345.snowflakecomputing.com", jwtAccount: "XY12345" });
    expect(normaliseAccount("myorg.myaccount")).toEqual({ host: "myorg-myaccount.snowflakecomputing.com", jwtAccount: "MYORG-MYACCOUNT" });
    expect(normaliseAccount("myorg-my_account")).toEqual({ host: "myorg-my-account.snowflakecomputing.com", jwtAccount: "MYORG-MY_ACCOUNT" });
    expect(normaliseAccount("myorg-myaccount.privatelink").jwtAccount).toBe("MYORG-MYACCOUNT");
    expect(normaliseAccount("xy12345-abc.global").jwtAccount).toBe("XY12345");
  });
});

describe("snowflake key-pair JWT", () => {
  it("carries iss/sub in Snowflake's format, lives under an hour and is reused until shortly before expiry", async () => {
    let now = Date.UTC(2030, 0, 1);
    // A distinct account so this fake clock never touches tokens other tests use.
    const jwt = new KeyPairJwt({ jwtAccount: "unit-clock", user: "someone", privateKey: servers.snowflakePrivateKey! }, () => now);
    const a = await jwt.token();
    const c = claims(a);
    expect(c.iss).toMatch(/^UNIT-CLOCK\.SOMEONE\.SHA256:[A-Za-z0-9+/]{43}=$/);
    expect(c.sub).toBe("UNIT-CLOCK.SOMEONE");
    expect(c.exp - c.iat).toBe(JWT_LIFETIME_SECONDS);
    expect(c.exp - c.iat).toBeLessThanOrEqual(3600);
    expect(JSON.parse(atob(a.split(".")[0]!))).toEqual({ alg: "RS256", typ: "JWT" });
    now += 50 * 60 * 1000;
    expect(await jwt.token()).toBe(a);
    now += 5 * 60 * 1000; // 55 min: inside the refresh margin
    const b = await jwt.token();
    expect(b).not.toBe(a);
    expect(claims(b).iat).toBe(c.iat + 55 * 60);
    await jwt.invalidate();
    const d = await jwt.token();
    expect(claims(d).iat).toBeGreaterThan(claims(b).iat);
  });

  it("uses one JWT for many requests (no signing per call)", async () => {
    const s = scope("jwt-cache");
    const session = await s.open();
    await session.test();
    await session.listCatalogs!({ limit: 5 });
    await session.preview!({ schema: "SALES", table: "ORDERS", limit: 1 });
    const st = await s.stats();
    // test() 3 (sent together), listCatalogs 1, preview 2 (warehouse state, then the statement)
    expect(st.requests.total).toBe(6);
    expect(st.jwts).toBe(1);
    expect(st.tokenTypes).toEqual(Array(6).fill("KEYPAIR_JWT"));
  });

  it("signs a fresh JWT when Snowflake says the cached one expired, and retries once", async () => {
    const s = scope("jwt-expired");
    const session = await s.open();
    await session.listCatalogs!({ limit: 1 });
    await s.control({ expireJwts: true });
    const { value, trips } = await s.roundTrips("listCatalogs after JWT expiry", () => session.listCatalogs!({ limit: 1 }));
    expect(value.data).toHaveLength(1);
    expect(trips).toBe(2);
    const st = await s.stats();
    expect(st.statuses).toEqual([200, 401, 200]);
    expect(st.jwts).toBe(2);
  });

  it("accepts the locator account form (region stripped, uppercase) and an encrypted PKCS#8 key", async () => {
    const s = scope("jwt-locator");
    const locator = await s.open(keyPair(), { config: { account: servers.snowflakeLocatorAccount } });
    expect((await locator.test()).ok).toBe(true);
    const encrypted = await s.open(keyPair(servers.snowflakeEncryptedPrivateKey!, servers.snowflakePassphrase!));
    expect((await encrypted.test()).ok).toBe(true);
    const pkcs1 = await s.open(keyPair(servers.snowflakePkcs1PrivateKey!));
    expect((await pkcs1.test()).ok).toBe(true);
  });

  it("reports a wrong or missing passphrase and a malformed key without reaching Snowflake or leaking them", async () => {
    const s = scope("jwt-badkey");
    const wrong = await (await s.open(keyPair(servers.snowflakeEncryptedPrivateKey!, "not-the-passphrase"))).test();
    expect(stepStatus(wrong)).toEqual({ connect: "skipped", authenticate: "failed", authorize: "skipped", warehouse: "skipped", sample: "skipped" });
    expect(wrong.steps[1]!.message).toContain("wrong passphrase");
    const missing = await caught((await s.open(keyPair(servers.snowflakeEncryptedPrivateKey!))).listCatalogs!({ limit: 1 }));
    expect(missing.code).toBe("auth_failed");
    expect(missing.message).toContain("passphrase is required");
    const garbage = await caught((await s.open(keyPair("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"))).listCatalogs!({ limit: 1 }));
    expect(garbage.code).toBe("auth_failed");
    expect((await s.stats()).requests.total).toBe(0);
    for (const m of [messages(wrong), missing.message, garbage.message]) expectNoSecrets(m, ["not-the-passphrase"]);
  });

  it("fails authentication with Snowflake's JWT error for a key that is not registered", async () => {
    const s = scope("jwt-unregistered");
    const r = await (await s.open(keyPair(servers.snowflakeUnregisteredPrivateKey!))).test();
    expect(stepStatus(r)).toEqual({ connect: "passed", authenticate: "failed", authorize: "skipped", warehouse: "skipped", sample: "skipped" });
    expect(r.steps[1]!.code).toBe("390144");
    expect(r.steps[1]!.message).toContain("JWT token is invalid");
    expect(r.steps[1]!.message).toContain("RSA_PUBLIC_KEY_FP");
    expectNoSecrets(messages(r));
  });
});

describe("snowflake token credentials", () => {
  it("authenticates with a programmatic access token and with an OAuth token, each with its token type", async () => {
    const s = scope("tokens");
    expect((await (await s.open(pat())).test()).ok).toBe(true);
    expect((await (await s.open(oauth())).test()).ok).toBe(true);
    const st = await s.stats();
    expect(st.tokenTypes).toEqual([...Array(3).fill("PROGRAMMATIC_ACCESS_TOKEN"), ...Array(3).fill("OAUTH")]);
  });

  it("reports expired and invalid tokens at the authenticate step without the token in any message", async () => {
    const s = scope("tokens-expired");
    for (const kind of ["pat", "oauth"] as const) {
      const token = await mintToken(kind);
      const cred = kind === "pat" ? pat(token) : oauth(token);
      expect((await (await s.open(cred)).test()).ok).toBe(true);
      await expireToken(token);
      const r = await (await s.open(cred)).test();
      expect(stepStatus(r)).toEqual({ connect: "passed", authenticate: "failed", authorize: "skipped", warehouse: "skipped", sample: "skipped" });
      expect(r.steps[1]!.message).toMatch(/expired/i);
      expect(r.steps[1]!.code).toBe("390318");
      expectNoSecrets(messages(r), [token]);
      const err = await caught((await s.open(cred)).listCatalogs!({ limit: 1 }));
      expect(err.code).toBe("auth_failed");
      expectNoSecrets(err.message, [token]);
    }
    const bogus = await (await s.open(oauth("oauth_not_a_real_token_123456"))).test();
    expect(bogus.steps[1]!.code).toBe("390303");
    expectNoSecrets(messages(bogus), ["oauth_not_a_real_token_123456"]);
    // Sending an OAuth token as a PAT is refused too (the token type header is honoured).
    const swapped = await (await s.open(pat(servers.snowflakeOauthToken!))).test();
    expect(swapped.steps[1]!.status).toBe("failed");
  });
});

describe("snowflake authorization failures", () => {
  it("reports an unknown role, an unknown warehouse and a role without access at the authorize step", async () => {
    const s = scope("authz");
    const role = await (await s.open(keyPair(), { config: { role: "NOT_A_ROLE" } })).test();
    expect(stepStatus(role)).toEqual({ connect: "passed", authenticate: "passed", authorize: "failed", warehouse: "skipped", sample: "skipped" });
    expect(role.steps[2]!.code).toBe("390189");
    expect(role.steps[2]!.message).toContain("NOT_A_ROLE");

    const wh = await (await s.open(keyPair(), { config: { warehouse: "NO_WH" } })).test();
    expect(stepStatus(wh).authorize).toBe("failed");
    expect(wh.steps[2]!.message).toContain("warehouse NO_WH");

    const noAccess = await (await s.open(keyPair(), { config: { role: "NOACCESS" } })).test();
    expect(stepStatus(noAccess).authorize).toBe("failed");
    expect(noAccess.steps[2]!.message).toContain("database SFDEMO");
    const err = await caught((await s.open(keyPair(), { config: { role: "NOACCESS" } })).listSchemas!({ catalog: "SFDEMO" }, { limit: 5 }));
    expect(err.code).toBe("not_found");
    expect(err.message).toContain("does not exist or not authorized");

    // Without a warehouse, metadata still lists (SHOW needs none); a statement fails like Snowflake's.
    const session = await s.open(keyPair(), { config: { warehouse: "NO_WH" } });
    expect((await session.listTables!({ schema: "SALES" }, { limit: 5 })).data.length).toBe(3);
    const noWh = await caught(session.preview!({ schema: "SALES", table: "ORDERS", limit: 5 }));
    expect(noWh.code).toBe("permission_denied");
    expect(noWh.detail.engineCode).toBe("000606");
    for (const r of [role, wh, noAccess]) expectNoSecrets(messages(r));
  });
});

describe("snowflake error mapping", () => {
  it("maps HTTP statuses and Snowflake codes, keeps Snowflake's message and scrubs secrets from it", () => {
    const token = "pat_0123456789abcdef";
    const e401 = snowflakeError(401, { code: "390303", message: `Invalid token ${token} Bearer ${token}` }, [token]);
    expect(e401.code).toBe("auth_failed");
    expect(e401.message).not.toContain(token);
    expect(e401.detail.engineCode).toBe("390303");
    const jwtish = snowflakeError(400, { code: "390142", message: "bad eyJhbGciOi.eyJpc3Mi.c2lnbmF0dXJl" }, []);
    expect(jwtish.message).not.toContain("eyJ");
    expect(snowflakeError(403, null, []).code).toBe("permission_denied");
    expect(snowflakeError(404, null, []).code).toBe("not_found");
    expect(snowflakeError(408, { code: "000630" }, []).code).toBe("timeout");
    expect(snowflakeError(429, { code: "390505" }, [], 7)).toMatchObject({ code: "rate_limited", detail: { retryAfterSeconds: 7 } });
    expect(snowflakeError(503, null, []).code).toBe("upstream_error");
    expect(snowflakeError(422, { code: "002003", message: "x" }, []).code).toBe("not_found");
    expect(snowflakeError(422, { code: "003001", sqlState: "42501", message: "x" }, []).code).toBe("permission_denied");
    expect(snowflakeError(422, { code: "000604", sqlState: "57014", message: "x" }, []).code).toBe("timeout");
    expect(snowflakeError(422, { code: "001003", message: "x" }, []).code).toBe("upstream_error");
  });
});
