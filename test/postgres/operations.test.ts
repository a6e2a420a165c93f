import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import type { Column, Page, TableInfo } from "../../src/connectors/types";
import { MODES, outsider, reader, servers, withSession } from "./helpers";

async function collect<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, max = 50): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const p = await fetchPage(cursor);
    items.push(...p.data);
    pages++;
    cursor = p.nextCursor ?? undefined;
  } while (cursor && pages < max);
  return { items, pages };
}

const rejectsWith = async (promise: Promise<unknown>, code: string) => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectorError);
  expect((err as ConnectorError).code).toBe(code);
  return err as ConnectorError;
};

describe.each(MODES)("postgres connector operations over %s", (mode) => {
  it("passes the connection test and reports the server version", async () => {
    const result = await withSession(mode, (s) => s.test());
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["connect", "passed"],
      ["authenticate", "passed"],
      ["authorize", "passed"],
      ["sample", "passed"],
    ]);
    expect(result.serverVersion).toMatch(/^18\./);
    for (const step of result.steps) expect(step.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it("lists the databases the user may connect to as catalogs, with pagination", async () => {
    await withSession(mode, async (s) => {
      const all = await collect((cursor) => s.listCatalogs!({ limit: 1, cursor }));
      const names = all.items.map((c) => c.name);
      expect(names).toEqual(["other_db", "postgres", "sample"]); // locked_db: no CONNECT; templates hidden
      expect(all.pages).toBe(3);
    });
  });

  it("lists schemas (system schemas hidden, awkward names kept) and pages through them", async () => {
    await withSession(mode, async (s) => {
      const first = await s.listSchemas!({}, { limit: 1000 });
      const names = first.data.map((x) => x.name);
      expect(first.nextCursor).toBeNull();
      for (const n of ["public", "sales", "many", "wide", "types", "Mixed Case", 'we"ird', "ünïcödé", "with space", "extra_01", "extra_12"]) {
        expect(names).toContain(n);
      }
      expect(names.some((n) => n.startsWith("pg_") || n === "information_schema")).toBe(false);
      expect(first.data.find((x) => x.name === "sales")).toMatchObject({ catalog: "sample", comment: "Sales data" });
      const paged = await collect((cursor) => s.listSchemas!({}, { limit: 4, cursor }));
      expect(paged.items.map((x) => x.name)).toEqual(names);
      expect(paged.pages).toBe(Math.ceil(names.length / 4));
    });
  });

  it("hides schemas without USAGE from a user who cannot use them", async () => {
    const asOutsider = await withSession(mode, (s) => s.listSchemas!({}, { limit: 100 }), { creds: outsider() });
    expect(asOutsider.data.map((x) => x.name)).not.toContain("restricted");
    const asReader = await withSession(mode, (s) => s.listSchemas!({}, { limit: 100 }), { creds: reader() });
    expect(asReader.data.map((x) => x.name)).toContain("restricted");
  });

  it("pages through 300 tables in one schema without gaps or repeats", async () => {
    await withSession(mode, async (s) => {
      const { items, pages } = await collect((cursor) => s.listTables!({ schema: "many" }, { limit: 64, cursor }));
      expect(pages).toBe(5);
      expect(items).toHaveLength(300);
      expect(new Set(items.map((t) => t.name)).size).toBe(300);
      expect(items[0]).toEqual({ name: "table_001", schema: "many", catalog: "sample", kind: "table", comment: null });
      expect(items[299]!.name).toBe("table_300");
      const exact = await s.listTables!({ schema: "many" }, { limit: 300 });
      expect(exact.data).toHaveLength(300);
      expect(exact.nextCursor).toBeNull();
    });
  });

  it("lists tables, views and materialized views with comments", async () => {
    await withSession(mode, async (s) => {
      const page = await s.listTables!({ schema: "sales" }, { limit: 100 });
      const byName = Object.fromEntries(page.data.map((t) => [t.name, t]));
      expect(byName.customers).toMatchObject({ kind: "table", comment: "People who buy things" });
      expect(byName.order_totals).toMatchObject({ kind: "view", comment: "Total per customer" });
      expect(byName.daily).toMatchObject({ kind: "materialized_view" });
      expect(Object.keys(byName).sort()).toEqual(["customers", "daily", "order_totals", "orders"]);
    });
  });

  it("lists tables of every schema when no schema is given, paging across schema boundaries", async () => {
    await withSession(mode, async (s) => {
      const { items } = await collect((cursor) => s.listTables!({}, { limit: 97, cursor }));
      const keys = items.map((t: TableInfo) => `${t.schema}.${t.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(items.filter((t) => t.schema === "many")).toHaveLength(300);
      expect(keys).toContain('we"ird.ta"ble');
      expect(keys).toContain("with space.a table; DROP TABLE t");
      expect(keys.some((k) => k.startsWith("pg_catalog."))).toBe(false);
    });
  });

  it("answers an unknown schema with an empty list", async () => {
    await withSession(mode, async (s) => {
      expect(await s.listTables!({ schema: "no_such_schema" }, { limit: 10 })).toEqual({ data: [], nextCursor: null });
      expect(await s.listTables!({ schema: "empty_schema" }, { limit: 10 })).toEqual({ data: [], nextCursor: null });
    });
  });

  it("pages through the 1500 columns of a wide table", async () => {
    await withSession(mode, async (s) => {
      const { items, pages } = await collect((cursor) => s.listColumns!({ schema: "wide", table: "wide" }, { limit: 400, cursor }));
      expect(pages).toBe(4);
      expect(items).toHaveLength(1500);
      expect(items.map((c: Column) => c.position)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
      expect(items[0]).toEqual({ name: "c0001", position: 1, type: "integer", nativeType: "integer", nullable: true, comment: null });
      expect(items[1499]!.name).toBe("c1500");
    });
  });

  it("describes columns: portable and native types, nullability, comments", async () => {
    await withSession(mode, async (s) => {
      const page = await s.listColumns!({ schema: "sales", table: "customers" }, { limit: 100 });
      expect(page.nextCursor).toBeNull();
      expect(page.data).toEqual([
        { name: "id", position: 1, type: "integer", nativeType: "bigint", nullable: false, comment: null },
        { name: "name", position: 2, type: "string", nativeType: "text", nullable: false, comment: null },
        { name: "email", position: 3, type: "string", nativeType: "character varying(200)", nullable: true, comment: "Primary e-mail address" },
        { name: "created_at", position: 4, type: "timestamp_tz", nativeType: "timestamp with time zone", nullable: false, comment: null },
      ]);
      const view = await s.listColumns!({ schema: "sales", table: "order_totals" }, { limit: 100 });
      expect(view.data.map((c) => [c.name, c.type, c.nativeType])).toEqual([
        ["customer_id", "integer", "bigint"],
        ["total", "decimal", "numeric"],
      ]);
    });
  });

  it("handles quoted, mixed-case, quote, space and unicode names", async () => {
    await withSession(mode, async (s) => {
      const mixed = await s.listColumns!({ schema: "Mixed Case", table: "Mixed Table" }, { limit: 10 });
      expect(mixed.data.map((c) => c.name)).toEqual(["Id", "Some Column"]);
      const weird = await s.preview!({ schema: 'we"ird', table: 'ta"ble', limit: 10 });
      expect(weird.columns.map((c) => c.name)).toEqual(['co"l']);
      expect(weird.rows).toEqual([[7]]);
      const uni = await s.preview!({ schema: "ünïcödé", table: "tåblé", limit: 10 });
      expect(uni.rows).toEqual([["ü"]]);
      const inj = await s.preview!({ schema: "with space", table: "a table; DROP TABLE t", limit: 10 });
      expect(inj.rows).toEqual([[5]]);
      // "UPPER" and upper are two different tables.
      const upper = await s.listColumns!({ schema: "public", table: "UPPER" }, { limit: 10 });
      const lower = await s.listColumns!({ schema: "public", table: "upper" }, { limit: 10 });
      expect(upper.data.map((c) => c.name)).toEqual(["x"]);
      expect(lower.data.map((c) => c.name)).toEqual(["y"]);
    });
  });

  it("answers an unknown table with not_found in listColumns and preview", async () => {
    await withSession(mode, async (s) => {
      await rejectsWith(s.listColumns!({ schema: "public", table: "nope" }, { limit: 10 }), "not_found");
      await rejectsWith(s.listColumns!({ schema: "nope", table: "t" }, { limit: 10 }), "not_found");
      await rejectsWith(s.preview!({ schema: "public", table: "nope", limit: 10 }), "not_found");
      await rejectsWith(s.preview!({ schema: "nope", table: "t", limit: 10 }), "not_found");
    });
  });

  it("previews a table with a row limit and a truncated flag", async () => {
    await withSession(mode, async (s) => {
      const rs = await s.preview!({ schema: "sales", table: "orders", limit: 5 });
      expect(rs.rowCount).toBe(5);
      expect(rs.rows).toHaveLength(5);
      expect(rs.truncated).toBe(true);
      expect(rs.columns.map((c) => [c.name, c.type])).toEqual([
        ["id", "integer"],
        ["customer_id", "integer"],
        ["amount", "decimal"],
        ["ordered_on", "date"],
      ]);
      expect(typeof rs.elapsedMs).toBe("number");
      const all = await s.preview!({ schema: "public", table: "t", limit: 100 });
      expect(all.truncated).toBe(false);
      expect(all.rowCount).toBe(3);
      const wide = await s.preview!({ schema: "wide", table: "wide", limit: 10 });
      expect(wide.columns).toHaveLength(1500);
      expect(wide.rows[0]![0]).toBe(1);
      expect(wide.rows[0]![1499]).toBe(1500);
    });
  });

  it("runs a query with a row cap, truncated flag and JSON-safe values", async () => {
    await withSession(mode, async (s) => {
      const rs = await s.query!({ sql: "SELECT id, amount FROM sales.orders ORDER BY id", maxRows: 10, timeoutMs: 5000 });
      expect(rs.rowCount).toBe(10);
      expect(rs.truncated).toBe(true);
      expect(rs.rows[0]).toEqual(["1", "1.25"]);
      const exact = await s.query!({ sql: "SELECT g FROM generate_series(1, 10) g;", maxRows: 10, timeoutMs: 5000 });
      expect(exact.truncated).toBe(false);
      expect(exact.rowCount).toBe(10);
      const values = await s.query!({ sql: "VALUES (1, 'a'), (2, 'b')", maxRows: 1, timeoutMs: 5000 });
      expect(values.rows).toEqual([[1, "a"]]);
      expect(values.truncated).toBe(true);
      const withComment = await s.query!({ sql: "SELECT 1 AS x -- trailing comment", maxRows: 5, timeoutMs: 5000 });
      expect(withComment.rows).toEqual([[1]]);
      const cte = await s.query!({ sql: "WITH a AS (SELECT 2 AS y) SELECT * FROM a", maxRows: 5, timeoutMs: 5000 });
      expect(cte.rows).toEqual([[2]]);
    });
  });

  it("caps statements that cannot be wrapped (SHOW, EXPLAIN) on the client side", async () => {
    await withSession(mode, async (s) => {
      const show = await s.query!({ sql: "SHOW transaction_read_only", maxRows: 5, timeoutMs: 5000 });
      expect(show.rows).toEqual([["on"]]);
      const explain = await s.query!({ sql: "EXPLAIN SELECT * FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id", maxRows: 1, timeoutMs: 5000 });
      expect(explain.rowCount).toBe(1);
      expect(explain.truncated).toBe(true);
    });
  });

  it("respects the response byte budget", async () => {
    const { makeCtx } = await import("./helpers");
    const ctx = makeCtx({ limits: { responseBytes: 2000 } });
    await withSession(
      mode,
      async (s) => {
        const rs = await s.query!({ sql: "SELECT repeat('x', 100) FROM generate_series(1, 100)", maxRows: 100, timeoutMs: 5000 });
        expect(rs.truncated).toBe(true);
        expect(rs.rowCount).toBeGreaterThan(5);
        expect(rs.rowCount).toBeLessThan(20);
        expect(JSON.stringify(rs.rows).length).toBeLessThanOrEqual(2000);
      },
      { ctx },
    );
  });

  it("reads another database named as the catalog", async () => {
    await withSession(mode, async (s) => {
      const schemas = await s.listSchemas!({ catalog: "other_db" }, { limit: 100 });
      expect(schemas.data.map((x) => x.name)).toContain("other_schema");
      expect(schemas.data.every((x) => x.catalog === "other_db")).toBe(true);
      const tables = await s.listTables!({ catalog: "other_db", schema: "other_schema" }, { limit: 10 });
      expect(tables.data.map((t) => t.name)).toEqual(["other_table"]);
      const rows = await s.preview!({ catalog: "other_db", schema: "other_schema", table: "other_table", limit: 10 });
      expect(rows.rowCount).toBe(2);
      await rejectsWith(s.listSchemas!({ catalog: "no_such_db" }, { limit: 10 }), "not_found");
    });
  });

  it("refuses a bad cursor clearly", async () => {
    await withSession(mode, async (s) => {
      await rejectsWith(s.listColumns!({ schema: "wide", table: "wide" }, { limit: 10, cursor: "abc" }), "invalid_request");
      await rejectsWith(s.listTables!({ schema: "many" }, { limit: 10, cursor: "{" }), "invalid_request");
    });
  });

  it("declares its hosts for the egress guard", async () => {
    const { postgresConnector } = await import("../../src/connectors/postgres/index");
    const { configFor } = await import("./helpers");
    expect(postgresConnector.hosts(configFor(mode, "x"))).toEqual(["127.0.0.1"]);
    const neon = postgresConnector.config.parse({ host: "ep-cool-darkness-123456.us-east-2.aws.neon.tech", database: "neondb" });
    expect(postgresConnector.hosts(neon)).toEqual([
      "ep-cool-darkness-123456.us-east-2.aws.neon.tech",
      "api.us-east-2.aws.neon.tech",
    ]);
    void servers;
  });
});
