import { describe, expect, inject, it } from "vitest";
import { api, expectProblem, newWorkspace } from "../helpers";

// Snowflake and Databricks through the public API (connector details are in test/snowflake and
// test/databricks): the reference endpoints, and Databricks discover.
const s = inject("servers");
const scope = (label: string) => `api-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

async function connection(type: "snowflake" | "databricks", overrides: Record<string, unknown> = {}) {
  const { token } = await newWorkspace("write");
  const body =
    type === "snowflake"
      ? { name: "sf", type, method: "programmaticAccessToken", identity: {}, secrets: { token: s.snowflakePat } }
      : { name: "dbx", type, method: "oauthM2M", identity: { clientId: s.databricksClientId }, secrets: { clientSecret: s.databricksClientSecret } };
  const cred = await api("/api/credentials", { method: "POST", token, body });
  expect(cred.status).toBe(201);
  const config =
    type === "snowflake"
      ? { account: s.snowflakeAccount, warehouse: "TEST_WH", database: "SFDEMO", role: "ANALYST", endpoint: `${s.snowflakeEndpoint}/s/${scope("sf")}` }
      : { host: s.databricksHost, warehouseId: s.databricksWarehouseId, catalog: "main", schema: "sales", endpoint: `${s.databricksEndpoint}/s/${scope("dbx")}` };
  const conn = await api("/api/connections", { method: "POST", token, body: { name: type, type, config: { ...config, ...overrides }, credentialId: cred.json.id } });
  expect(conn.status).toBe(201);
  return { token, id: conn.json.id as string, endpoint: (config as { endpoint: string }).endpoint };
}

describe("snowflake through the API", () => {
  it("tests, lists, previews and runs a read-only query", async () => {
    const { token, id } = await connection("snowflake");
    expect((await api(`/api/connections/${id}/test`, { method: "POST", token })).json.ok).toBe(true);
    expect((await api(`/api/connections/${id}/catalogs`, { token })).json.data.map((c: any) => c.name)).toContain("SFDEMO");
    expect((await api(`/api/connections/${id}/schemas`, { token })).json.data.map((c: any) => c.name)).toEqual(expect.arrayContaining(["SALES", "HR"]));
    const tables = await api(`/api/connections/tables?connectionId=${id}&schema=SALES`, { token });
    expect(tables.json.data.map((t: any) => t.name)).toEqual(expect.arrayContaining(["CUSTOMERS", "ORDERS"]));
    const cols = await api(`/api/connections/${id}/columns?schema=SALES&table=CUSTOMERS`, { token });
    expect(cols.json.data[0]).toMatchObject({ name: "ID", position: 1, nullable: false });
    const preview = await api(`/api/connections/${id}/preview?schema=SALES&table=CUSTOMERS&limit=2`, { token });
    expect(preview.status).toBe(200);
    expect(preview.json.rows.length).toBeLessThanOrEqual(2);
    const q = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT 1 AS ONE", maxRows: 5 } });
    expect(q.json.rowCount).toBe(1);
    expect(String(q.json.rows[0][0])).toBe("1");
    expectProblem(await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "DROP TABLE SALES.CUSTOMERS" } }), 422);
  });

  it("refuses SYSTEM$ functions that act, with a 422 naming the function", async () => {
    const { token, id } = await connection("snowflake");
    const res = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT SYSTEM$SET_RETURN_VALUE('x')" } });
    expectProblem(res, 422, "invalid_request");
    expect(res.json.detail).toMatch(/The function system\$set_return_value is not allowed in a read-only query/i);
  });
});

describe("databricks through the API", () => {
  it("tests, lists from Unity Catalog, previews and runs a read-only query", async () => {
    const { token, id } = await connection("databricks");
    expect((await api(`/api/connections/${id}/test`, { method: "POST", token })).json.ok).toBe(true);
    const catalogs = (await api(`/api/connections/${id}/catalogs`, { token })).json.data.map((c: any) => c.name);
    expect(catalogs).toContain("main");
    const tables = await api(`/api/connections/${id}/tables?catalog=main&schema=sales`, { token });
    expect(tables.status).toBe(200);
    expect(tables.json.data.length).toBeGreaterThan(0);
    const table = tables.json.data[0].name;
    const cols = await api(`/api/connections/${id}/columns?catalog=main&schema=sales&table=${table}`, { token });
    expect(cols.json.data.length).toBeGreaterThan(0);
    expect((await api(`/api/connections/${id}/preview?catalog=main&schema=sales&table=${table}&limit=3`, { token })).status).toBe(200);
    const q = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT 1 AS one", maxRows: 5 } });
    expect(q.status).toBe(200);
    expect(q.json.rowCount).toBe(1);
  });

  it("refuses functions that act outside the query (secrets, HTTP requests), with a 422 naming the function", async () => {
    const { token, id } = await connection("databricks");
    const res = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT secret('scope', 'key') AS s" } });
    expectProblem(res, 422, "invalid_request");
    expect(res.json.detail).toMatch(/The function secret is not allowed in a read-only query/);
  });

  it("discovers catalogs with their schemas, or the schemas of one catalog, paginated", async () => {
    const { token, id } = await connection("databricks");
    const first = await api("/api/connections/databricks/discover", { method: "POST", token, body: { connectionId: id, limit: 1 } });
    expect(first.status).toBe(200);
    expect(first.json.data).toHaveLength(1);
    expect(first.json.data[0]).toHaveProperty("schemas");
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const names = [first.json.data[0].name];
    let cursor = first.json.nextCursor;
    while (cursor) {
      const next = await api("/api/connections/databricks/discover", { method: "POST", token, body: { connectionId: id, limit: 1, cursor } });
      names.push(...next.json.data.map((c: any) => c.name));
      cursor = next.json.nextCursor;
    }
    expect(names).toEqual(expect.arrayContaining(s.databricksCatalogs!.split(",")));
    const one = await api("/api/connections/databricks/discover", { method: "POST", token, body: { connectionId: id, catalog: "main" } });
    expect(one.json.data.map((x: any) => x.name)).toContain("sales");
    expect(one.json.data.every((x: any) => x.catalog === "main")).toBe(true);
    expectProblem(await api("/api/connections/databricks/discover", { method: "POST", token, body: { connectionId: id, catalog: "no_such_catalog" } }), 404);
    expectProblem(await api("/api/connections/databricks/discover", { method: "POST", token, body: { connectionId: id, cursor: "bogus" } }), 400, "invalid_cursor");
  });
});

describe("warehouses that are not running, through the API", () => {
  it("Databricks: the test reports STOPPED without starting it; preview and test-query answer 409 unless wake", async () => {
    const { token, id, endpoint } = await connection("databricks", { warehouseId: s.databricksStoppedWarehouseId });
    const stats = async () => (await (await fetch(`${endpoint}/__test/stats`)).json()) as Record<string, number>;
    const t = await api(`/api/connections/${id}/test`, { method: "POST", token });
    expect(t.json.ok).toBe(true);
    expect(t.json.warehouse).toEqual({ id: s.databricksStoppedWarehouseId, state: "STOPPED" });
    expect(t.json.steps.map((x: any) => x.name)).toEqual(["connect", "authenticate", "authorize", "warehouse", "sample"]);
    const p = await api(`/api/connections/${id}/preview?schema=sales&table=orders&limit=2`, { token });
    expectProblem(p, 409, "warehouse_not_running");
    expect(p.json.warehouse).toEqual({ id: s.databricksStoppedWarehouseId, state: "STOPPED" });
    expectProblem(await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT 1" } }), 409, "warehouse_not_running");
    expect((await stats()).execute).toBeUndefined();
    expectProblem(await api(`/api/connections/${id}/preview?schema=sales&table=orders&wake=yes`, { token }), 400);
    const woke = await api(`/api/connections/${id}/preview?schema=sales&table=orders&limit=2&wake=true`, { token });
    expect(woke.status).toBe(200);
    expect((await stats()).warehouseStarts).toBe(1);
  });

  it("Snowflake: a suspended warehouse is not resumed by metadata or the test; test-query with wake resumes it", async () => {
    const { token, id, endpoint } = await connection("snowflake");
    const control = `${s.snowflakeEndpoint}/__control/scopes/${endpoint.split("/s/")[1]}`;
    await fetch(control, { method: "POST", body: JSON.stringify({ warehouses: { TEST_WH: "SUSPENDED" } }) });
    const t = await api(`/api/connections/${id}/test`, { method: "POST", token });
    expect(t.json.warehouse).toEqual({ id: "TEST_WH", state: "SUSPENDED" });
    expect((await api(`/api/connections/${id}/tables?schema=SALES`, { token })).status).toBe(200);
    expect((await api(`/api/connections/${id}/columns?schema=SALES&table=ORDERS`, { token })).status).toBe(200);
    const sql = { connectionId: id, sql: "SELECT COUNT(*) AS N FROM SALES.ORDERS" };
    expectProblem(await api("/api/connections/test-query", { method: "POST", token, body: sql }), 409, "warehouse_not_running");
    let st = (await (await fetch(control)).json()) as { computeStatements: number; resumes: number };
    expect([st.computeStatements, st.resumes]).toEqual([0, 0]);
    const q = await api("/api/connections/test-query", { method: "POST", token, body: { ...sql, wake: true } });
    expect(q.status).toBe(200);
    st = (await (await fetch(control)).json()) as { computeStatements: number; resumes: number };
    expect([st.computeStatements, st.resumes]).toEqual([1, 1]);
  });
});
