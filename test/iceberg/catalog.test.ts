import { describe, expect, it } from "vitest";
import type { ResolvedCredential } from "../../src/connectors/types";
import { catalog, failure, secretsOf, servers, violations } from "./helpers";

// The Iceberg engine against the contract server's personalities: config and prefix, namespaces
// (nested, paginated, guarded), tables and views, columns of the current schema, test steps.

describe("iceberg: /v1/config and the prefix", () => {
  it("takes the prefix raw from overrides, even with a slash (Unity: catalogs/main)", async () => {
    const c = catalog("unity");
    const s = await c.open();
    const { result } = await c.measure("schemas (unity)", () => s.listSchemas!({}, { limit: 100 }));
    expect(result.data.map((x) => x.name)).toEqual(["sales", "sales.eu", "analytics", "empty"]);
    expect((await s.client.catalogSettings()).prefix).toBe("catalogs/main");
  });

  it("sends the warehouse and uses the prefix R2 hands back; catalogs is that one warehouse", async () => {
    const c = catalog("r2");
    const s = await c.open();
    expect(await s.listCatalogs!({ limit: 10 })).toEqual({ data: [{ name: servers.icebergR2Warehouse, comment: null }], nextCursor: null });
    const wrong = await c.open(undefined, { config: { warehouse: "no_such_warehouse" } });
    const f = await failure(wrong.listSchemas!({}, { limit: 10 }));
    expect(f.code).toBe("not_found");
    expect(f.message).toContain("NoSuchWarehouseException");
  });

  it("refuses a catalog other than the configured warehouse", async () => {
    const s = await catalog("r2").open();
    expect((await failure(s.listSchemas!({ catalog: "other" }, { limit: 10 }))).code).toBe("not_found");
  });
});

describe("iceberg: namespaces", () => {
  it("lists nested namespaces depth-first through parent= and pages with a cursor", async () => {
    const c = catalog("polaris");
    const s = await c.open();
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await s.listSchemas!({}, { limit: 2, cursor });
      expect(p.data.length).toBeLessThanOrEqual(2);
      names.push(...p.data.map((x) => x.name));
      cursor = p.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(names).toEqual(["sales", "sales.eu", "analytics", "empty"]);
    // Two full pages; whether the last two namespaces have children is only known on a third call.
    expect(pages).toBe(3);
  });

  it("Glue has no multipart namespaces: top-level only, no parent= probes; a catalog refusing parent= is probed once", async () => {
    const c = catalog("glue");
    const s = await c.open();
    const { result, trips } = await c.measure("schemas (glue)", () => s.listSchemas!({}, { limit: 100 }));
    expect(result.data.map((x) => x.name)).toEqual(["sales", "analytics", "empty"]);
    expect(trips.namespaces).toBe(1);
    // A catalog that refuses parent= (S3 Tables style) behind a bearer token: one refused probe, no more.
    const r2 = catalog("r2");
    await r2.control({ refuseParent: true });
    const probing = await r2.measure("schemas (parent= refused)", async () => (await r2.open()).listSchemas!({}, { limit: 100 }));
    expect(probing.result.data.map((x) => x.name)).toEqual(["sales", "analytics", "empty"]);
    expect(probing.trips.namespaces).toBe(2);
  });

  it("stops on a repeated page token and says the list is truncated", async () => {
    const c = catalog("r2");
    await c.control({ repeatToken: true });
    const s = await c.open();
    const { result, trips } = await c.measure("tables with a repeated token", () => s.listTables!({ schema: "analytics" }, { limit: 1000 }));
    expect(result.truncated).toBe(true);
    expect(result.nextCursor).toBeNull();
    expect(trips.tables).toBeLessThanOrEqual(2);
    const ns = await s.listSchemas!({}, { limit: 1000 });
    expect(ns.truncated).toBe(true);
  });
});

describe("iceberg: tables and views", () => {
  it("pages through 150 tables on Glue (100 per page at most) without losing or repeating one", async () => {
    const c = catalog("glue");
    const s = await c.open();
    const { result, trips } = await c.measure("tables (glue, 150)", () => s.listTables!({ schema: "analytics" }, { limit: 1000 }));
    expect(result.data).toHaveLength(150);
    expect(new Set(result.data.map((t) => t.name)).size).toBe(150);
    expect(result.nextCursor).toBeNull();
    expect(trips.tables).toBe(2);
    expect(trips.views).toBe(1); // answered 200 with UnknownOperationException: no views
  });

  it("continues a page inside an unbounded list (Unity ignores pageToken)", async () => {
    const s = await catalog("unity").open();
    const first = await s.listTables!({ schema: "analytics" }, { limit: 60 });
    expect(first.data).toHaveLength(60);
    const second = await s.listTables!({ schema: "analytics" }, { limit: 1000, cursor: first.nextCursor! });
    expect(second.data).toHaveLength(90);
    expect(second.data[0]!.name).toBe("events_060");
  });

  it("lists tables then views, and an unknown namespace as an empty list", async () => {
    const c = catalog("polaris");
    const s = await c.open();
    const { result } = await c.measure("tables (polaris)", () => s.listTables!({ schema: "sales" }, { limit: 100 }));
    expect(result.data.map((t) => [t.name, t.kind])).toEqual([
      ["orders", "table"],
      ["customers", "table"],
      ["payments", "table"],
      ["refunds", "table"],
      ["purged", "table"],
      ["renamed", "table"],
      ["migrated", "table"],
      ["order_summary", "view"],
    ]);
    expect(await s.listTables!({ schema: "no_such" }, { limit: 10 })).toEqual({ data: [], nextCursor: null });
    expect((await s.listTables!({ schema: "sales.eu" }, { limit: 10 })).data.map((t) => t.name)).toEqual(["returns"]);
  });
});

describe("iceberg: columns", () => {
  it("uses current-schema-id, flattens nested fields and marks keys and partitions", async () => {
    const c = catalog("r2");
    const s = await c.open();
    const { result } = await c.measure("columns (r2)", () => s.listColumns!({ schema: "sales", table: "orders" }, { limit: 100 }));
    const cols = result.data.map((x) => ({ name: x.name, type: x.type, nativeType: x.nativeType, nullable: x.nullable, primaryKey: x.primaryKey, partition: x.partition }));
    expect(cols).toEqual([
      { name: "order_id", type: "integer", nativeType: "long", nullable: false, primaryKey: true, partition: undefined },
      { name: "amount", type: "decimal", nativeType: "decimal(10,2)", nullable: true, primaryKey: undefined, partition: undefined },
      { name: "region", type: "string", nativeType: "string", nullable: false, primaryKey: undefined, partition: ["identity"] },
      { name: "ordered_at", type: "timestamp_tz", nativeType: "timestamptz", nullable: true, primaryKey: undefined, partition: ["day"] },
      { name: "shipping", type: "struct", nativeType: "struct<city: string, zip: int>", nullable: true, primaryKey: undefined, partition: undefined },
      { name: "shipping.city", type: "string", nativeType: "string", nullable: true, primaryKey: undefined, partition: undefined },
      { name: "shipping.zip", type: "integer", nativeType: "int", nullable: true, primaryKey: undefined, partition: undefined },
      { name: "tags", type: "array", nativeType: "list<string>", nullable: true, primaryKey: undefined, partition: undefined },
      { name: "tags.element", type: "string", nativeType: "string", nullable: true, primaryKey: undefined, partition: undefined },
      { name: "attributes", type: "map", nativeType: "map<string, long>", nullable: true, primaryKey: undefined, partition: undefined },
      { name: "attributes.key", type: "string", nativeType: "string", nullable: false, primaryKey: undefined, partition: undefined },
      { name: "attributes.value", type: "integer", nativeType: "long", nullable: true, primaryKey: undefined, partition: undefined },
    ]);
    expect(result.data[0]!.comment).toBe("Order number");
    expect(result.data.map((x) => x.position)).toEqual(result.data.map((_, i) => i + 1));
    expect(result.table).toMatchObject({ format: "iceberg", formatVersion: 2, rowCount: 5, sizeBytes: 4096, dataFiles: 2, currentSnapshotId: "3051729675574597004", lastUpdated: "2026-11-01T12:00:00.000Z" });
    expect(String(result.table!.location)).toMatch(/\/iceberg\/sales\/orders$/);
  });

  it("OneLake's placeholder schema 0 is never taken for the table's schema", async () => {
    const s = await catalog("onelake").open();
    const p = await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 100 });
    expect(p.data[0]!.name).toBe("order_id");
    expect(p.data).toHaveLength(12);
  });

  it("columns of a view, 404 for an unknown table, and pages of columns", async () => {
    const s = await catalog("polaris").open();
    const v = await s.listColumns!({ schema: "sales", table: "order_summary" }, { limit: 100 });
    expect(v.data.map((x) => [x.name, x.nativeType])).toEqual([
      ["region", "string"],
      ["total", "decimal(20,2)"],
    ]);
    expect((await failure(s.listColumns!({ schema: "sales", table: "nope" }, { limit: 10 }))).code).toBe("not_found");
    const a = await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 5 });
    const b = await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 100, cursor: a.nextCursor! });
    expect([...a.data, ...b.data]).toHaveLength(12);
    expect(b.nextCursor).toBeNull();
  });

  it("never puts the loadTable config or storage credentials in an answer", async () => {
    for (const p of ["r2", "polaris", "glue"] as const) {
      const s = await catalog(p).open();
      const answers = [await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 100 }), await s.test()];
      const text = JSON.stringify(answers);
      for (const secret of secretsOf()) expect(text).not.toContain(secret);
    }
  });
});

describe("iceberg: auth", () => {
  it("OAuth2: one token for the session, refreshed once when it expires early", async () => {
    const c = catalog("polaris");
    const s = await c.open();
    const first = await c.measure("schemas (polaris, fresh token)", () => s.listSchemas!({}, { limit: 100 }));
    expect(first.trips.token).toBe(1);
    const again = await c.measure("tables (polaris, cached token)", async () => (await c.open()).listTables!({ schema: "sales" }, { limit: 100 }));
    expect(again.trips.token).toBeUndefined();
    await c.expireTokens();
    const after = await c.measure("tables (polaris, expired token)", async () => (await c.open()).listTables!({ schema: "sales" }, { limit: 100 }));
    expect(after.trips.token).toBe(1);
    expect(after.result.data).toHaveLength(8);
  });

  it("wrong bearer, wrong client secret, wrong scope and a wrong SigV4 key fail the right step, without secrets", async () => {
    const cases: Array<{ c: ReturnType<typeof catalog>; cred: ResolvedCredential; step: string; code: string }> = [
      { c: catalog("r2"), cred: { method: "bearer", identity: {}, secrets: { token: "wrong-token-123456" } }, step: "authenticate", code: "auth_failed" },
      { c: catalog("polaris"), cred: { method: "oauth2", identity: { clientId: servers.icebergClientId! }, secrets: { clientSecret: "wrong-secret-123456" } }, step: "authenticate", code: "auth_failed" },
      { c: catalog("glue"), cred: { method: "sigv4", identity: { accessKeyId: servers.icebergAwsKeyId! }, secrets: { secretAccessKey: "wrong-aws-secret-123456" } }, step: "authenticate", code: "permission_denied" },
    ];
    for (const { c, cred, step, code } of cases) {
      const r = await (await c.open(cred)).test();
      expect(r.ok).toBe(false);
      const failed = r.steps.find((x) => x.status === "failed")!;
      expect({ name: failed.name, code: failed.code }).toEqual({ name: step, code });
      expect(JSON.stringify(r)).not.toContain("wrong-");
    }
    const scope = catalog("polaris");
    const r = await (await scope.open(undefined, { config: { scope: "catalog" } })).test();
    expect(r.steps.find((x) => x.name === "authenticate")!.message).toContain("invalid_scope");
  });

  it("SigV4: signed with signing name glue; the signature is checked by the server", async () => {
    const c = catalog("glue");
    const r = await (await c.open()).test();
    expect(r.ok, JSON.stringify(r.steps)).toBe(true);
    const s3tables = await (await c.open(undefined, { config: { signingName: "s3tables" } })).test();
    expect(s3tables.steps.find((x) => x.name === "authenticate")!.status).toBe("failed");
  });
});

describe("iceberg: test()", () => {
  it("reports config, authentication, one namespace page and one loaded table as steps", async () => {
    for (const p of ["r2", "polaris", "unity", "glue", "onelake"] as const) {
      const c = catalog(p);
      const { result, trips } = await c.measure(`test (${p})`, async () => (await c.open()).test());
      expect(result.ok, `${p}: ${JSON.stringify(result.steps)}`).toBe(true);
      expect(result.steps.map((x) => x.name)).toEqual(["connect", "authenticate", "authorize", "sample"]);
      expect(result.steps[3]!.message).toContain("Loaded table sales.orders");
      expect(trips.loadTable).toBe(1);
    }
  });

  it("answers an unreachable catalog as a failed connect step", async () => {
    const c = catalog("r2");
    const r = await (await c.open(undefined, { config: { catalogUri: "http://127.0.0.1:9" } })).test();
    expect(r.steps[0]).toMatchObject({ name: "connect", status: "failed", code: "unreachable" });
  });

  it("the contract server's answers all conform to the Iceberg REST OpenAPI document", async () => {
    const v = await violations();
    expect(v.checked).toBeGreaterThan(0);
    expect(v.violations).toEqual([]);
  });
});
