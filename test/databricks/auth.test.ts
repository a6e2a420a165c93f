import { describe, expect, it } from "vitest";
import { databricksConnector } from "../../src/connectors/databricks";
import type { ResolvedCredential, TestResult } from "../../src/connectors/types";
import { allText, failure, secretsOf, servers, workspace } from "./helpers";

const statuses = (r: TestResult) => r.steps.map((s) => `${s.name}:${s.status}${s.code ? `:${s.code}` : ""}`);

describe("databricks connector: credentials and connection test", () => {
  it("declares its capabilities and hosts", () => {
    expect(databricksConnector.capabilities).toEqual(["sql", "catalogs", "schemas", "tables", "columns", "preview", "discover"]);
    expect(databricksConnector.hosts({ host: "dbc-1.cloud.databricks.com", warehouseId: "abc" })).toEqual(["dbc-1.cloud.databricks.com"]);
    const w = workspace("hosts");
    expect(databricksConnector.hosts(w.config)).toEqual(["127.0.0.1"]);
  });

  it("tests a connection with a personal access token: warehouse lookup and a Unity Catalog page, no statement", async () => {
    const w = workspace("test-pat");
    const s = await w.open();
    const { result, trips } = await w.measure("test (PAT)", () => s.test());
    expect(statuses(result)).toEqual(["connect:passed", "authenticate:passed", "authorize:passed", "warehouse:passed", "sample:passed"]);
    expect(result.ok).toBe(true);
    expect(result.steps[3]!.message).toContain("RUNNING");
    expect(result.warehouse).toEqual({ id: servers.databricksWarehouseId, state: "RUNNING" });
    expect(trips).toEqual({ total: 2, warehouse: 1, catalogs: 1 });
  });

  it("reports a stopped warehouse without starting it; statements need wake=true", async () => {
    const w = workspace("test-stopped");
    const s = await w.open(w.pat, { config: { warehouseId: servers.databricksStoppedWarehouseId! } });
    const { result, trips } = await w.measure("test (stopped warehouse)", () => s.test());
    expect(result.ok).toBe(true);
    expect(result.warehouse).toEqual({ id: servers.databricksStoppedWarehouseId, state: "STOPPED" });
    expect(result.steps[3]!.message).toContain("did not start it");
    expect(trips.execute).toBeUndefined();
    await s.listCatalogs!({ limit: 10 });
    await s.listTables!({ schema: "sales" }, { limit: 10 });
    await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 10 });
    const refused = await failure(s.preview!({ schema: "sales", table: "orders", limit: 5 }));
    expect(refused.code).toBe("warehouse_not_running");
    expect(refused.detail.warehouse).toEqual({ id: servers.databricksStoppedWarehouseId, state: "STOPPED" });
    expect((await failure(s.query!({ sql: "SELECT 1", maxRows: 1, timeoutMs: 5000 }))).code).toBe("warehouse_not_running");
    let st = await w.stats();
    expect(st.execute).toBeUndefined();
    expect(st.warehouseStarts).toBeUndefined();
    const woke = await s.preview!({ schema: "sales", table: "orders", limit: 5, wake: true });
    expect(woke.rowCount).toBeGreaterThan(0);
    st = await w.stats();
    expect(st.execute).toBe(1);
    expect(st.warehouseStarts).toBe(1);
  });

  it("tests a connection with OAuth M2M: token, warehouse, SELECT 1; the token is cached across sessions", async () => {
    const w = workspace("test-oauth");
    const s = await w.open(w.oauth);
    const { result, trips } = await w.measure("test (OAuth, cold token cache)", () => s.test());
    expect(statuses(result)).toEqual(["connect:passed", "authenticate:passed", "authorize:passed", "warehouse:passed", "sample:passed"]);
    expect(trips).toEqual({ total: 3, token: 1, warehouse: 1, catalogs: 1 });
    const again = await w.open(w.oauth);
    const warm = await w.measure("listCatalogs (OAuth, cached token)", () => again.listCatalogs!({ limit: 10 }));
    expect(warm.trips).toEqual({ total: 1, catalogs: 1 });
  });

  it("asks for one OAuth token even when calls run in parallel (discover)", async () => {
    const w = workspace("oauth-parallel");
    const s = await w.open(w.oauth);
    const { result, trips } = await w.measure("discover (OAuth, cold cache, 3 catalogs in parallel)", () => s.discover!({}, { limit: 10 }));
    expect(result.data).toHaveLength(3);
    expect(trips).toEqual({ total: 5, token: 1, catalogs: 1, schemas: 3 });
  });

  it("refreshes an expired OAuth token once and retries", async () => {
    const w = workspace("expiry");
    const s = await w.open(w.oauth);
    await s.listCatalogs!({ limit: 10 });
    await w.expireTokens();
    const { result, trips } = await w.measure("listCatalogs (token expired)", () => s.listCatalogs!({ limit: 10 }));
    expect(result.data).toHaveLength(3);
    // 401 on the expired token, a new token, the retried call.
    expect(trips).toEqual({ total: 3, unauthenticated: 1, token: 1, catalogs: 1 });
  });

  it("refreshes a token before it expires (short-lived tokens)", async () => {
    const w = workspace("shortlived");
    await w.control({ tokenTtl: 1 });
    const s = await w.open(w.oauth);
    await s.listCatalogs!({ limit: 10 });
    // A 1 s token is replaced after half its life, before it expires: no 401 round trip.
    await new Promise((r) => setTimeout(r, 600));
    const later = await w.measure("listCatalogs (1 s token, after 600 ms)", () => s.listCatalogs!({ limit: 10 }));
    expect(later.trips).toEqual({ total: 2, token: 1, catalogs: 1 });
  });

  it("reports a bad personal access token as auth_failed, at the authenticate step", async () => {
    const w = workspace("badpat");
    const bad: ResolvedCredential = { method: "personalAccessToken", identity: {}, secrets: { token: "dapi0123456789abcdef0123456789abcdef" } };
    const s = await w.open(bad);
    const result = await s.test();
    expect(result.ok).toBe(false);
    expect(statuses(result)).toEqual(["connect:passed", "authenticate:failed:auth_failed", "authorize:skipped", "warehouse:skipped", "sample:skipped"]);
    const err = await failure(s.listCatalogs!({ limit: 10 }));
    expect(err.code).toBe("auth_failed");
    expect(allText(result) + allText(err)).not.toContain("dapi0123456789abcdef0123456789abcdef");
  });

  it("reports a bad OAuth client as auth_failed without echoing the secret", async () => {
    const w = workspace("badclient");
    const bad: ResolvedCredential = { method: "oauthM2M", identity: { clientId: servers.databricksClientId! }, secrets: { clientSecret: "dose-wrong-secret-value-123456" } };
    const s = await w.open(bad);
    const { result, trips } = await w.measure("test (bad OAuth client)", () => s.test());
    expect(statuses(result)).toEqual(["connect:passed", "authenticate:failed:auth_failed", "authorize:skipped", "warehouse:skipped", "sample:skipped"]);
    expect(result.steps[1]!.message).toContain("invalid_client");
    expect(trips).toEqual({ total: 1, token: 1 });
    expect(allText(result)).not.toContain("dose-wrong-secret-value-123456");
  });

  it("fails the authorize step for a warehouse that does not exist or may not be used", async () => {
    const w = workspace("authorize");
    const missing = await (await w.open(w.pat, { config: { warehouseId: "ffffffffffffffff" } })).test();
    expect(statuses(missing)).toEqual(["connect:passed", "authenticate:passed", "authorize:failed:not_found", "warehouse:skipped", "sample:skipped"]);
    expect(missing.steps[2]!.message).toContain("ffffffffffffffff");
    const noAccess: ResolvedCredential = { method: "personalAccessToken", identity: {}, secrets: { token: servers.databricksPatNoAccess! } };
    const denied = await (await w.open(noAccess)).test();
    expect(statuses(denied)).toEqual(["connect:passed", "authenticate:passed", "authorize:failed:permission_denied", "warehouse:skipped", "sample:skipped"]);
    const err = await failure((await w.open(noAccess)).query!({ sql: "SELECT 1", maxRows: 1, timeoutMs: 5000 }));
    expect(err.code).toBe("permission_denied");
  });

  it("fails the connect step when nothing listens", async () => {
    const w = workspace("connect");
    const s = await w.open(w.pat, { config: { endpoint: "http://127.0.0.1:1" } });
    const result = await s.test();
    expect(statuses(result)).toEqual(["connect:failed:unreachable", "authenticate:skipped", "authorize:skipped", "warehouse:skipped", "sample:skipped"]);
    const o = await (await w.open(w.oauth, { config: { endpoint: "http://127.0.0.1:1" } })).test();
    expect(o.steps[0]).toMatchObject({ name: "connect", status: "failed", code: "unreachable" });
  });

  it("keeps every secret out of test results and errors", async () => {
    const w = workspace("nosecrets");
    const results: unknown[] = [];
    // The engine echoes an unknown column's name: a query naming the session's own secret.
    for (const [cred, secret] of [
      [w.pat, servers.databricksPat!],
      [w.oauth, servers.databricksClientSecret!],
    ] as const) {
      const s = await w.open(cred);
      results.push(await s.test());
      results.push(await failure(s.query!({ sql: `SELECT ${secret}`, maxRows: 1, timeoutMs: 5000 })));
    }
    const text = allText(results);
    expect(text).toContain("[redacted]"); // the engine echoed the token back, and it was removed
    for (const secret of secretsOf()) expect(text).not.toContain(secret);
  });

  it("refuses a missing or unknown credential clearly", async () => {
    const w = workspace("nocred");
    await expect(w.open(null)).rejects.toMatchObject({ code: "invalid_request" });
    await expect(w.open({ method: "password", identity: {}, secrets: {} })).rejects.toMatchObject({ code: "invalid_request" });
  });
});
