import { WorkspaceClient } from "@databricks/sdk-experimental";
import { neon, neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { typeTextFromJson } from "../../src/connectors/databricks/values";
import { startAll, type Started } from "../servers/index";

// The contract servers driven by the vendors' official clients (not our connectors): the Databricks
// SDK for JavaScript (OAuth M2M discovered through the workspace's authorization server metadata,
// SQL warehouses, Unity Catalog, statement execution) and Neon's serverless driver (SQL over HTTP).
// A difference between a server and the real service that the vendor's own client notices fails here.

let servers: Started;
let a: Record<string, string>;

beforeAll(async () => {
  process.env.TEST_SERVERS = "postgres,databricks,neonHttp";
  servers = await startAll();
  a = servers.addresses;
});
afterAll(async () => {
  await servers?.stop();
});

describe("Databricks SDK for JavaScript against the Databricks contract server", () => {
  const client = () =>
    new WorkspaceClient({ host: a.databricksEndpoint, clientId: a.databricksClientId, clientSecret: a.databricksClientSecret, authType: "oauth-m2m" });

  it("authenticates with OAuth M2M and reads a warehouse's state", async () => {
    const w = await client().warehouses.get({ id: a.databricksWarehouseId! });
    expect(w.state).toBe("RUNNING");
    const stopped = await client().warehouses.get({ id: a.databricksStoppedWarehouseId! });
    expect(stopped.state).toBe("STOPPED");
  });

  it("lists catalogs and reads a table whose type_json the connector parses", async () => {
    const names: string[] = [];
    for await (const c of client().catalogs.list({})) names.push(c.name!);
    expect(names).toContain("main");
    const t = await client().tables.get({ full_name: "main.sales.all_types" });
    expect(t.columns?.length).toBeGreaterThan(10);
    for (const c of t.columns ?? []) expect(typeTextFromJson(c.type_json)).toBe(c.type_text);
  });

  it("surfaces Unity Catalog's error code for an unknown table", async () => {
    const err = await client()
      .tables.get({ full_name: "main.sales.nope" })
      .then(() => null, (e: unknown) => e as { errorCode?: string; statusCode?: number; message?: string });
    expect(err?.errorCode).toBe("TABLE_DOES_NOT_EXIST");
    expect(err?.statusCode).toBe(404);
  });

  it("executes a statement and reads its inline result", async () => {
    const r = await client().statementExecution.executeStatement({
      warehouse_id: a.databricksWarehouseId!,
      statement: "SELECT 41 + 1 AS answer",
      wait_timeout: "10s",
    });
    expect(r.status?.state).toBe("SUCCEEDED");
    expect(r.result?.data_array).toEqual([["42"]]);
  });
});

describe("Neon serverless driver against the Neon HTTP contract server", () => {
  const sql = () => {
    neonConfig.fetchEndpoint = () => `${a.neonHttpOrigin}/sql`;
    return neon(`postgresql://${a.pgUser}:${encodeURIComponent(a.pgPassword!)}@ep-test-123.us-east-2.aws.neon.tech/${a.pgDatabase}?sslmode=require`);
  };

  it("runs a parameterised query and reports a PostgreSQL error with its code", async () => {
    const rows = await sql().query("SELECT $1::text AS greeting, 42::int8 AS n", ["hello"]);
    expect(rows).toEqual([{ greeting: "hello", n: "42" }]);
    const err = await sql()
      .query("SELECT * FROM no_such_table")
      .then(() => null, (e: unknown) => e as { code?: string; name?: string });
    expect(err?.name).toBe("NeonDbError");
    expect(err?.code).toBe("42P01");
  });

  it("reads 'response is too large' as the driver reads any non-400 error", async () => {
    const err = await sql()
      .query("SELECT repeat('x', 11 * 1024 * 1024) AS big")
      .then(() => null, (e: unknown) => e as { message?: string });
    expect(err?.message).toContain("HTTP status 507");
    expect(err?.message).toContain("response is too large");
  });
});
