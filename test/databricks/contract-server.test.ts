import { describe, expect, it } from "vitest";
import { typeTextFromJson } from "../../src/connectors/databricks/values";
import { servers, workspace } from "./helpers";

// The contract server must reject what Databricks rejects, in Databricks' shapes; otherwise the
// connector tests above would prove nothing.

const auth = () => ({ authorization: `Bearer ${servers.databricksPat}`, "content-type": "application/json" });

async function execute(endpoint: string, body: Record<string, unknown>, headers: Record<string, string> = auth()) {
  const res = await fetch(`${endpoint}/api/2.0/sql/statements`, {
    method: "POST",
    headers,
    body: JSON.stringify({ warehouse_id: servers.databricksWarehouseId, ...body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("databricks contract server", () => {
  it("verifies bearer tokens and answers 401 in the Databricks error shape", async () => {
    const w = workspace("cs-auth");
    const none = await execute(w.endpoint, { statement: "SELECT 1" }, { "content-type": "application/json" });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error_code: "UNAUTHENTICATED" });
    const wrong = await execute(w.endpoint, { statement: "SELECT 1" }, { authorization: "Bearer dapi-not-a-token" });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain("dapi-not-a-token");
  });

  it("issues OAuth tokens only for client_credentials with the right client and scope, and expires them", async () => {
    const w = workspace("cs-oauth");
    const basic = btoa(`${servers.databricksClientId}:${servers.databricksClientSecret}`);
    const token = (body: string, b = basic) =>
      fetch(`${w.endpoint}/oidc/v1/token`, {
        method: "POST",
        headers: { authorization: `Basic ${b}`, "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    const ok = await token("grant_type=client_credentials&scope=all-apis");
    expect(ok.status).toBe(200);
    const issued = (await ok.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(issued).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "all-apis" });
    expect((await token("grant_type=password&scope=all-apis")).status).toBe(400);
    expect((await token("grant_type=client_credentials&scope=sql")).status).toBe(400);
    const bad = await token("grant_type=client_credentials&scope=all-apis", btoa(`${servers.databricksClientId}:nope`));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: "invalid_client" });
    const use = () => fetch(`${w.endpoint}/api/2.1/unity-catalog/catalogs`, { headers: { authorization: `Bearer ${issued.access_token}` } });
    expect((await use()).status).toBe(200);
    await w.expireTokens();
    const expired = await use();
    expect(expired.status).toBe(401);
    expect(expired.headers.get("content-type")).toContain("text/html"); // the gateway's page, not JSON
  });

  it("validates the execute request as the API does", async () => {
    const w = workspace("cs-validate");
    const arrow = await execute(w.endpoint, { statement: "SELECT 1", format: "ARROW_STREAM", disposition: "INLINE" });
    expect(arrow.status).toBe(400);
    expect(arrow.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    const noStatement = await execute(w.endpoint, {});
    expect(noStatement.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    const badParam = await execute(w.endpoint, { statement: "SELECT :x", parameters: [{ name: "x", value: 5 }] });
    expect(badParam.status).toBe(400);
    const warehouse = await execute(w.endpoint, { statement: "SELECT 1", warehouse_id: "ffffffffffffffff" });
    expect(warehouse.status).toBe(404);
    expect(warehouse.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("answers SQL errors with HTTP 200 and state FAILED, positional markers included", async () => {
    const w = workspace("cs-failed");
    const positional = await execute(w.endpoint, { statement: "SELECT ?", wait_timeout: "10s" });
    expect(positional.status).toBe(200);
    expect(positional.body.status.state).toBe("FAILED");
    expect(positional.body.status.error.message).toMatch(/^\[UNBOUND_SQL_PARAMETER\]/);
    const unbound = await execute(w.endpoint, { statement: "SELECT :missing" });
    expect(unbound.body.status.error.message).toMatch(/^\[UNBOUND_SQL_PARAMETER\]/);
    const missing = await execute(w.endpoint, { statement: "SELECT * FROM `main`.`sales`.`nope`" });
    expect(missing.body.status).toMatchObject({ state: "FAILED", sql_state: "42P01", error: { error_code: "BAD_REQUEST" } });
  });

  it("runs async (0s): PENDING, then the result by polling; chunks and cancel by statement id", async () => {
    const w = workspace("cs-async");
    await w.control({ chunkRows: 4 });
    const first = await execute(w.endpoint, { statement: "SELECT n FROM `main`.`sales`.`numbers` WHERE n <= 10 ORDER BY n", wait_timeout: "0s" });
    expect(first.body.status.state).toBe("PENDING");
    const id = first.body.statement_id as string;
    let res: Record<string, any> = first.body;
    for (let i = 0; i < 50 && res.status.state !== "SUCCEEDED"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      res = (await (await fetch(`${w.endpoint}/api/2.0/sql/statements/${id}`, { headers: auth() })).json()) as Record<string, any>;
    }
    expect(res.manifest).toMatchObject({
      format: "JSON_ARRAY",
      schema: { column_count: 1, columns: [{ name: "n", position: 0, type_name: "INT", type_text: "INT" }] },
      total_chunk_count: 3,
      total_row_count: 10,
      truncated: false,
    });
    expect(res.result).toMatchObject({ chunk_index: 0, row_offset: 0, row_count: 4, next_chunk_index: 1 });
    expect(res.result.next_chunk_internal_link).toBe(`/api/2.0/sql/statements/${id}/result/chunks/1`);
    const last = (await (await fetch(`${w.endpoint}/api/2.0/sql/statements/${id}/result/chunks/2`, { headers: auth() })).json()) as Record<string, any>;
    expect(last).toEqual({ chunk_index: 2, row_offset: 8, row_count: 2, data_array: [["9"], ["10"]] });
    const unknown = await fetch(`${w.endpoint}/api/2.0/sql/statements/00000000-0000-0000-0000-000000000000`, { headers: auth() });
    expect(unknown.status).toBe(404);
    await w.control({ hang: true });
    const hung = await execute(w.endpoint, { statement: "SELECT 1", wait_timeout: "0s" });
    const cancel = await fetch(`${w.endpoint}/api/2.0/sql/statements/${hung.body.statement_id}/cancel`, { method: "POST", headers: auth() });
    expect(await cancel.json()).toEqual({});
    const after = (await (await fetch(`${w.endpoint}/api/2.0/sql/statements/${hung.body.statement_id}`, { headers: auth() })).json()) as Record<string, any>;
    expect(after.status.state).toBe("CANCELED");
  });

  it("lists warehouses with page tokens and gets one", async () => {
    const w = workspace("cs-warehouses");
    const page1 = (await (await fetch(`${w.endpoint}/api/2.0/sql/warehouses?page_size=1`, { headers: auth() })).json()) as Record<string, any>;
    expect(page1.warehouses).toHaveLength(1);
    expect(page1.warehouses[0]).toMatchObject({ id: servers.databricksWarehouseId, state: "RUNNING", warehouse_type: "PRO" });
    expect(page1.next_page_token).toBeTruthy();
    const page2 = (await (await fetch(`${w.endpoint}/api/2.0/sql/warehouses?page_size=1&page_token=${page1.next_page_token}`, { headers: auth() })).json()) as Record<string, any>;
    expect(page2.warehouses[0].state).toBe("STOPPED");
    expect(page2.next_page_token).toBeUndefined();
    const missing = await fetch(`${w.endpoint}/api/2.0/sql/warehouses/nope`, { headers: auth() });
    expect(missing.status).toBe(404);
  });
});

describe("databricks contract server: Unity Catalog and OAuth formats of the real service", () => {
  const get = async (endpoint: string, path: string) => {
    const res = await fetch(`${endpoint}${path}`, { headers: auth() });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it("answers type_json as Spark's JSON schema, which the connector reads back to type_text", async () => {
    const w = workspace("cs-typejson");
    const t = await get(w.endpoint, "/api/2.1/unity-catalog/tables/main.sales.all_types");
    expect(t.status).toBe(200);
    const cols = t.body.columns as Array<{ name: string; type_text: string; type_json: string }>;
    const json = Object.fromEntries(cols.map((c) => [c.name, JSON.parse(c.type_json)]));
    expect(json.c_bigint).toEqual({ name: "c_bigint", type: "long", nullable: true, metadata: {} });
    expect(json.c_int.type).toBe("integer");
    expect(json.c_smallint.type).toBe("short");
    expect(json.c_tinyint.type).toBe("byte");
    expect(json.c_decimal.type).toBe("decimal(38,9)");
    expect(json.c_array.type).toEqual({ type: "array", elementType: "integer", containsNull: true });
    expect(json.c_map.type).toEqual({ type: "map", keyType: "string", valueType: "long", valueContainsNull: true });
    expect(json.c_struct.type).toEqual({
      type: "struct",
      fields: [
        { name: "street", type: "string", nullable: true, metadata: {} },
        { name: "zip", type: "integer", nullable: true, metadata: {} },
      ],
    });
    for (const c of cols) expect(typeTextFromJson(c.type_json)).toBe(c.type_text);
  });

  it("answers unknown catalogs, schemas and tables with Databricks' *_DOES_NOT_EXIST codes", async () => {
    const w = workspace("cs-ucerrors");
    const catalog = await get(w.endpoint, "/api/2.1/unity-catalog/schemas?catalog_name=nope");
    expect([catalog.status, catalog.body.error_code]).toEqual([404, "CATALOG_DOES_NOT_EXIST"]);
    const schema = await get(w.endpoint, "/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=nope");
    expect([schema.status, schema.body.error_code]).toEqual([404, "SCHEMA_DOES_NOT_EXIST"]);
    const table = await get(w.endpoint, "/api/2.1/unity-catalog/tables/main.sales.nope");
    expect([table.status, table.body.error_code]).toEqual([404, "TABLE_DOES_NOT_EXIST"]);
    expect(table.body.message).toBe("Table 'main.sales.nope' does not exist.");
  });

  it("serves the workspace's OAuth authorization server metadata, unauthenticated", async () => {
    const w = workspace("cs-oidc");
    const res = await fetch(`${w.endpoint}/oidc/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.token_endpoint).toBe(`${w.endpoint}/oidc/v1/token`);
    expect(meta.authorization_endpoint).toBe(`${w.endpoint}/oidc/v1/authorize`);
    expect(meta.grant_types_supported).toContain("client_credentials");
  });

  it("starts a stopped warehouse only for a statement, never for a state read", async () => {
    const w = workspace("cs-start");
    const stopped = servers.databricksStoppedWarehouseId!;
    expect((await get(w.endpoint, `/api/2.0/sql/warehouses/${stopped}`)).body.state).toBe("STOPPED");
    expect((await w.stats()).warehouseStarts).toBeUndefined();
    const run = await execute(w.endpoint, { statement: "SELECT 1", warehouse_id: stopped });
    expect(run.body.status.state).toBe("SUCCEEDED");
    expect((await get(w.endpoint, `/api/2.0/sql/warehouses/${stopped}`)).body.state).toBe("RUNNING");
    expect((await w.stats()).warehouseStarts).toBe(1);
  });
});
