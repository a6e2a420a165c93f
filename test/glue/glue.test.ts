import { describe, expect, inject, it } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { glueConnector, type GlueSession } from "../../src/connectors/glue";
import { glueConfig, type GlueConfig } from "../../src/connectors/glue/config";
import type { ResolvedCredential } from "../../src/connectors/types";
import { caught as failure } from "../connector-failure";

// The glue engine against the Glue contract server (SigV4 checked on every request) and the S3 test
// server that holds the Iceberg metadata Glue points to.
const s = inject("servers");
let n = 0;

function glue(label: string) {
  const endpoint = `${s.glueEndpoint}/s/${label}-${Date.now().toString(36)}-${n++}`;
  const config = glueConfig.parse({ region: s.glueRegion, endpoint, s3Endpoint: s.s3Endpoint, s3Addressing: "path" });
  const credential: ResolvedCredential = { method: "accessKey", identity: { accessKeyId: s.s3AccessKeyId! }, secrets: { secretAccessKey: s.s3SecretAccessKey! } };
  const stats = async () => (await (await fetch(`${endpoint}/__test/stats`)).json()) as Record<string, number>;
  return {
    config,
    control: (c: Record<string, unknown>) => fetch(`${endpoint}/__test/control`, { method: "POST", body: JSON.stringify(c) }),
    async open(cred: ResolvedCredential = credential, over: Partial<GlueConfig> = {}): Promise<GlueSession> {
      const ctx = createConnectorContext({ allowPrivateNetwork: true, allowedHosts: glueConnector.hosts({ ...config, ...over }), timeoutMs: 20000, limits: clampLimits({}) });
      return (await glueConnector.open({ ...config, ...over }, cred, ctx)) as GlueSession;
    },
    async measure<T>(what: string, fn: () => Promise<T>) {
      const before = await stats();
      const result = await fn();
      const after = await stats();
      const trips: Record<string, number> = {};
      for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) trips[k] = v - (before[k] ?? 0);
      console.log(`[glue round trips] ${what}: ${trips.total ?? 0} (${Object.entries(trips).filter(([k]) => k !== "total").map(([k, v]) => `${k}=${v}`).join(", ")})`);
      return { result, trips };
    },
  };
}

describe("glue: catalogs, databases, tables", () => {
  it("lists catalogs (GetCatalogs, root included) and databases", async () => {
    const g = glue("list");
    const session = await g.open();
    expect((await session.listCatalogs!({ limit: 100 })).data.map((c) => c.name)).toEqual([s.glueAccount, `${s.glueAccount}:s3tablescatalog/lake-tables`]);
    const { result } = await g.measure("schemas", () => session.listSchemas!({}, { limit: 100 }));
    expect(result.data).toEqual([
      { name: "sales", catalog: s.glueAccount, comment: "Sales data" },
      { name: "analytics", catalog: s.glueAccount, comment: null },
      { name: "empty", catalog: s.glueAccount, comment: null },
    ]);
  });

  it("follows NextToken through 150 tables with at most 100 per request, and pages with a cursor", async () => {
    const g = glue("wide");
    const session = await g.open();
    const { result, trips } = await g.measure("tables (150)", () => session.listTables!({ schema: "analytics" }, { limit: 1000 }));
    expect(result.data).toHaveLength(150);
    expect(new Set(result.data.map((t) => t.name)).size).toBe(150);
    expect(trips.GetTables).toBe(2);
    const first = await session.listTables!({ schema: "analytics" }, { limit: 40 });
    const second = await session.listTables!({ schema: "analytics" }, { limit: 1000, cursor: first.nextCursor! });
    expect([...first.data, ...second.data].map((t) => t.name)).toEqual(result.data.map((t) => t.name));
  });

  it("table kinds, an unknown database as an empty list, a repeated NextToken as truncated", async () => {
    const g = glue("kinds");
    const session = await g.open();
    expect((await session.listTables!({ schema: "sales" }, { limit: 100 })).data.map((t) => [t.name, t.kind])).toEqual([
      ["orders_parquet", "external"],
      ["customers_csv", "external"],
      ["orders_iceberg", "external"],
      ["payments_iceberg", "external"],
      ["order_view", "view"],
    ]);
    expect(await session.listTables!({ schema: "nope" }, { limit: 10 })).toEqual({ data: [], nextCursor: null });
    await g.control({ repeatToken: true });
    const r = await session.listTables!({ schema: "analytics" }, { limit: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.nextCursor).toBeNull();
  });
});

describe("glue: columns", () => {
  it("storage columns then partition keys, with Hive types and details from the parameters", async () => {
    const session = await glue("cols").open();
    const p = await session.listColumns!({ schema: "sales", table: "orders_parquet" }, { limit: 100 });
    expect(p.data.map((c) => [c.name, c.type, c.nativeType, c.position, c.partition ?? null])).toEqual([
      ["order_id", "integer", "bigint", 1, null],
      ["amount", "decimal", "decimal(10,2)", 2, null],
      ["items", "array", "array<struct<sku:string,qty:int>>", 3, null],
      ["dt", "string", "string", 4, ["identity"]],
    ]);
    expect(p.table).toMatchObject({ format: "parquet", rowCount: 5, sizeBytes: 2048, partitionKeys: ["dt"], location: expect.stringContaining("orders_parquet") });
    expect((await failure(session.listColumns!({ schema: "sales", table: "nope" }, { limit: 10 }))).code).toBe("not_found");
  });

  it("an Iceberg table takes its columns from the metadata file, not Glue's list with the dropped column", async () => {
    const g = glue("ice");
    const session = await g.open();
    const p = await session.listColumns!({ schema: "sales", table: "orders_iceberg" }, { limit: 100 });
    expect(p.data.map((c) => [c.name, c.nativeType, c.primaryKey ?? false])).toEqual([
      ["order_id", "long", true],
      ["amount", "decimal(10,2)", false],
    ]);
    expect(p.table).toMatchObject({ format: "iceberg", formatVersion: 2, columnsFrom: "iceberg metadata" });
    // Without S3 access, Glue's columns minus the dropped one, and the answer says why.
    const denied = await g.open({ method: "accessKey", identity: { accessKeyId: s.s3AccessKeyId! }, secrets: { secretAccessKey: s.s3SecretAccessKey! } }, { s3Endpoint: "http://127.0.0.1:9" });
    const fallback = await denied.listColumns!({ schema: "sales", table: "orders_iceberg" }, { limit: 100 });
    expect(fallback.data.map((c) => c.name)).toEqual(["order_id", "amount"]);
    expect(String(fallback.table!.columnsFrom)).toMatch(/^glue \(Iceberg metadata not read: /);
  });
});

describe("glue: preview", () => {
  it("a Parquet table from its first data file (markers skipped), partition values said to be missing", async () => {
    const session = await glue("pq").open();
    const r = await session.preview!({ schema: "sales", table: "orders_parquet", limit: 10 });
    expect(r.columns.map((c) => c.name)).toEqual(["order_id", "amount"]);
    expect(r.rows).toEqual([
      ["1", 12.5],
      ["2", 3.99],
      ["3", 100],
    ]);
    expect(r.truncated).toBe(false);
    expect(r.requests).toBe(1); // the data file's footer read brought the whole (small) file: no second GET
    expect(r.warnings).toEqual(["Partition key values (dt) are not shown: they live in the object paths"]);
  });

  it("a headerless CSV table takes the catalog's column names", async () => {
    const session = await glue("csv").open();
    const r = await session.preview!({ schema: "sales", table: "customers_csv", limit: 2 });
    expect(r.columns.map((c) => c.name)).toEqual(["id", "name"]);
    expect(r.columns.map((c) => c.type)).toEqual(["integer", "string"]);
    expect(r.rows).toEqual([
      [1, "Ada"],
      [2, "Grace"],
    ]);
    expect(r.truncated).toBe(true);
  });

  it("an Iceberg table through its metadata file and snapshot; a view is refused; 404 for an unknown table", async () => {
    const session = await glue("icep").open();
    const r = await session.preview!({ schema: "sales", table: "payments_iceberg", limit: 3 });
    expect(r.rows).toEqual([
      ["1", "card", 1250],
      ["2", "cash", 399],
      ["3", null, 0],
    ]);
    expect(r.truncated).toBe(true);
    expect((await failure(session.preview!({ schema: "sales", table: "order_view", limit: 3 }))).code).toBe("capability_not_supported");
    expect((await failure(session.preview!({ schema: "sales", table: "nope", limit: 3 }))).code).toBe("not_found");
  });
});

describe("glue: test() and credentials", () => {
  it("passes with the right key pair and fails authenticate with a wrong secret, without echoing it", async () => {
    const g = glue("test");
    const { result } = await g.measure("test", async () => (await g.open()).test());
    expect(result.ok, JSON.stringify(result.steps)).toBe(true);
    expect(result.steps.map((x) => x.status)).toEqual(["passed", "passed", "passed", "passed"]);
    const bad = await (await g.open({ method: "accessKey", identity: { accessKeyId: s.s3AccessKeyId! }, secrets: { secretAccessKey: "wrong-glue-secret-0123" } })).test();
    expect(bad.ok).toBe(false);
    expect(bad.steps[1]).toMatchObject({ name: "authenticate", status: "failed", code: "auth_failed" });
    expect(JSON.stringify(bad)).not.toContain("wrong-glue-secret-0123");
  });
});
