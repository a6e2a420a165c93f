import { describe, expect, it } from "vitest";
import { DISCOVER_SCHEMAS_PER_CATALOG } from "../../src/connectors/databricks/session";
import { servers, workspace } from "./helpers";

describe("databricks connector: Unity Catalog metadata", () => {
  it("lists catalogs in one round trip", async () => {
    const w = workspace("catalogs");
    const s = await w.open();
    const { result, trips } = await w.measure("listCatalogs", () => s.listCatalogs!({ limit: 100 }));
    expect(result.data.map((c) => c.name)).toEqual(["analytics", "main", "wide"]);
    expect(result.data.find((c) => c.name === "main")?.comment).toBe("Main catalog");
    expect(result.nextCursor).toBeNull();
    expect(trips).toEqual({ total: 1, catalogs: 1 });
  });

  it("lists schemas (default catalog) and tables with kinds", async () => {
    const w = workspace("schemas");
    const s = await w.open();
    const { result: schemas, trips } = await w.measure("listSchemas", () => s.listSchemas!({}, { limit: 100 }));
    expect(schemas.data).toEqual([
      { name: "default", catalog: "main", comment: null },
      { name: "sales", catalog: "main", comment: "Sales data" },
    ]);
    expect(trips.total).toBe(1);
    const { result: tables } = await w.measure("listTables", () => s.listTables!({ schema: "sales" }, { limit: 50 }));
    expect(tables.data.map((t) => [t.name, t.kind])).toEqual([
      ["all_types", "table"],
      ["numbers", "table"],
      ["open_orders", "view"],
      ["orders", "table"],
    ]);
    expect(tables.data.find((t) => t.name === "orders")).toMatchObject({ schema: "sales", catalog: "main", comment: "One row per order" });
    const mv = await s.listTables!({ catalog: "analytics", schema: "reports" }, { limit: 50 });
    expect(mv.data.map((t) => [t.name, t.kind])).toEqual([
      ["daily", "table"],
      ["daily_mv", "materialized_view"],
    ]);
  });

  it("answers an empty list for an unknown schema or catalog, not found for an unknown table", async () => {
    const w = workspace("unknown");
    const s = await w.open();
    expect(await s.listTables!({ schema: "nope" }, { limit: 10 })).toEqual({ data: [], nextCursor: null });
    expect(await s.listSchemas!({ catalog: "nope" }, { limit: 10 })).toEqual({ data: [], nextCursor: null });
    await expect(s.listColumns!({ schema: "sales", table: "nope" }, { limit: 10 })).rejects.toMatchObject({ code: "not_found" });
  });

  it("lists columns with portable types, 1-based positions, nullability and comments", async () => {
    const w = workspace("columns");
    const s = await w.open();
    const { result, trips } = await w.measure("listColumns", () => s.listColumns!({ schema: "sales", table: "all_types" }, { limit: 100 }));
    expect(trips.total).toBe(1);
    const byName = Object.fromEntries(result.data.map((c) => [c.name, c]));
    expect(result.data[0]).toMatchObject({ name: "id", position: 1, type: "integer", nativeType: "int", nullable: false });
    const expected: Record<string, [string, string]> = {
      c_tinyint: ["integer", "tinyint"],
      c_smallint: ["integer", "smallint"],
      c_bigint: ["integer", "bigint"],
      c_decimal: ["decimal", "decimal(38,9)"],
      c_float: ["float", "float"],
      c_double: ["float", "double"],
      c_boolean: ["boolean", "boolean"],
      c_string: ["string", "string"],
      c_char: ["string", "char(3)"],
      c_date: ["date", "date"],
      c_timestamp: ["timestamp_tz", "timestamp"],
      c_timestamp_ntz: ["timestamp", "timestamp_ntz"],
      c_binary: ["binary", "binary"],
      c_interval: ["other", "interval day to second"],
      c_array: ["array", "array<int>"],
      c_struct: ["struct", "struct<street:string,zip:int>"],
      c_map: ["map", "map<string,bigint>"],
      c_variant: ["json", "variant"],
    };
    for (const [name, [type, native]] of Object.entries(expected)) {
      expect({ name, type: byName[name]?.type, nativeType: byName[name]?.nativeType }).toEqual({ name, type, nativeType: native });
      expect(byName[name]?.nullable).toBe(true);
    }
    const orders = await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 2 });
    expect(orders.data.map((c) => c.name)).toEqual(["order_id", "customer"]);
    expect(orders.nextCursor).not.toBeNull();
    const rest = await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 10, cursor: orders.nextCursor! });
    expect(rest.data.map((c) => [c.name, c.position, c.comment ?? null])).toEqual([
      ["amount", 3, null],
      ["status", 4, "order status"],
      ["created_at", 5, null],
    ]);
    expect(rest.nextCursor).toBeNull();
  });

  it("keeps reading past empty pages that carry a next_page_token", async () => {
    const w = workspace("emptypages");
    await w.control({ emptyPages: 3, ucPageSize: 2 });
    const s = await w.open();
    const { result, trips } = await w.measure("listCatalogs (3 empty pages, server pages of 2)", () => s.listCatalogs!({ limit: 10 }));
    // 3 empty pages, then [analytics, main], then [wide]: five requests fill the page of 10.
    expect(result.data.map((c) => c.name)).toEqual(["analytics", "main", "wide"]);
    expect(result.nextCursor).toBeNull();
    expect(trips.catalogs).toBe(5);
  });

  it("pages through tables with cursors and never asks for more than the spec's 50", async () => {
    const w = workspace("tablepages");
    await w.control({ ucPageSize: 3 });
    const s = await w.open();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await s.listTables!({ schema: "sales" }, { limit: 2, cursor });
      expect(p.data.length).toBeLessThanOrEqual(2);
      seen.push(...p.data.map((t) => t.name));
      cursor = p.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(["all_types", "numbers", "open_orders", "orders"]);
    expect(pages).toBe(2);
    // A page limit above 50 is split into requests of at most 50 (the contract server rejects more).
    const big = await s.listTables!({ schema: "sales" }, { limit: 500 });
    expect(big.data).toHaveLength(4);
  });

  it("discovers catalogs with their schemas, bounded per catalog and paginated over catalogs", async () => {
    const w = workspace("discover");
    const s = await w.open();
    const { result: first, trips } = await w.measure("discover (2 catalogs)", () => s.discover!({}, { limit: 2 }));
    expect(trips).toEqual({ total: 3, catalogs: 1, schemas: 2 });
    expect(first.data.map((c) => c.name)).toEqual(["analytics", "main"]);
    expect(first.data[1]).toEqual({
      name: "main",
      comment: "Main catalog",
      schemas: [
        { name: "default", comment: null },
        { name: "sales", comment: "Sales data" },
      ],
      schemasTruncated: false,
    });
    expect(first.nextCursor).not.toBeNull();
    const second = await s.discover!({}, { limit: 2, cursor: first.nextCursor! });
    expect(second.nextCursor).toBeNull();
    expect(second.data).toHaveLength(1);
    const wide = second.data[0] as { name: string; schemas: unknown[]; schemasTruncated: boolean };
    expect(wide.name).toBe("wide");
    expect(wide.schemas).toHaveLength(DISCOVER_SCHEMAS_PER_CATALOG);
    expect(wide.schemasTruncated).toBe(true);
  });

  it("discovers one catalog's schemas, paginated, and reports an unknown catalog", async () => {
    const w = workspace("discover-cat");
    const s = await w.open();
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { result } = await w.measure("discover {catalog: wide} page", () => s.discover!({ catalog: "wide" }, { limit: 20, cursor }));
      expect(result.data.every((d) => d.catalog === "wide")).toBe(true);
      names.push(...result.data.map((d) => d.name as string));
      cursor = result.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(names).toHaveLength(56);
    expect(new Set(names).size).toBe(56);
    await expect(s.discover!({ catalog: "nope" }, { limit: 10 })).rejects.toMatchObject({ code: "not_found" });
  });

  it("serves Unity Catalog responses that match the saved OpenAPI spec", async () => {
    // The contract server checks each UC body against test/servers/specs/unitycatalog-all.yaml (Node side).
    const res = await fetch(`${servers.databricksEndpoint}/__test/violations`);
    const { validated, violations } = (await res.json()) as { validated: number; violations: string[] };
    const w = workspace("spec");
    const s = await w.open();
    await s.listCatalogs!({ limit: 10 });
    await s.listSchemas!({}, { limit: 10 });
    await s.listTables!({ schema: "sales" }, { limit: 10 });
    await s.listColumns!({ schema: "sales", table: "all_types" }, { limit: 100 });
    const after = (await (await fetch(`${servers.databricksEndpoint}/__test/violations`)).json()) as { validated: number; violations: string[] };
    expect(after.validated).toBeGreaterThanOrEqual(validated + 4);
    expect(violations).toEqual([]);
    expect(after.violations).toEqual([]);
  });

  it("rejects an invalid max_results the way Unity Catalog does", async () => {
    const w = workspace("maxres");
    const res = await fetch(`${w.endpoint}/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=sales&max_results=51`, {
      headers: { authorization: `Bearer ${servers.databricksPat}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: "INVALID_ARGUMENT" });
  });
});
