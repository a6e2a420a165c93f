import { describe, expect, it } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { snowflakeConnector } from "../../src/connectors/snowflake";
import { caught, expectNoSecrets, keyPair, scope, violations } from "./helpers";

// Every session operation against the Snowflake contract server (SQL API v2 on real PostgreSQL),
// with the round trips the server counted. Synchronous answers: one round trip per statement.

describe("snowflake connector operations", () => {
  it("test() passes every step with three statements sent together, none of which needs a warehouse", async () => {
    const s = scope("ops-test");
    const session = await s.open();
    const { value, trips } = await s.roundTrips("test()", () => session.test());
    expect(value.ok).toBe(true);
    expect(value.steps.map((x) => [x.name, x.status])).toEqual([
      ["connect", "passed"],
      ["authenticate", "passed"],
      ["authorize", "passed"],
      ["warehouse", "passed"],
      ["sample", "passed"],
    ]);
    expect(value.steps[1]!.message).toContain("TEST_USER");
    expect(value.steps[3]!.message).toBe("Warehouse TEST_WH is STARTED.");
    expect(value.warehouse).toEqual({ id: "TEST_WH", state: "STARTED" });
    expect(value.serverVersion).toBeTruthy();
    expect(trips).toBe(3);
    expect((await s.stats()).computeStatements).toBe(0);
  });

  it("never resumes a suspended warehouse for metadata or the test; statements need wake", async () => {
    const s = scope("ops-suspended");
    await s.control({ warehouses: { TEST_WH: "SUSPENDED" } });
    const session = await s.open();
    const t = await session.test();
    expect(t.ok).toBe(true);
    expect(t.warehouse).toEqual({ id: "TEST_WH", state: "SUSPENDED" });
    expect(t.steps[3]!.message).toContain("did not resume it");
    await session.listCatalogs!({ limit: 10 });
    await session.listSchemas!({}, { limit: 10 });
    await session.listTables!({ schema: "SALES" }, { limit: 10 });
    await session.listTables!({}, { limit: 10 });
    await session.listColumns!({ schema: "SALES", table: "ORDERS" }, { limit: 10 });
    let st = await s.stats();
    expect(st.computeStatements).toBe(0);
    expect(st.resumes).toBe(0);
    expect(st.warehouses.TEST_WH).toBe("SUSPENDED");

    const refused = await caught(session.preview!({ schema: "SALES", table: "ORDERS", limit: 5 }));
    expect(refused.code).toBe("warehouse_not_running");
    expect(refused.detail.warehouse).toEqual({ id: "TEST_WH", state: "SUSPENDED" });
    const q = await caught(session.query!({ sql: "select 1 from sales.orders", maxRows: 1, timeoutMs: 5000 }));
    expect(q.code).toBe("warehouse_not_running");
    st = await s.stats();
    expect(st.computeStatements).toBe(0);
    expect(st.resumes).toBe(0);

    const woke = await session.preview!({ schema: "SALES", table: "ORDERS", limit: 5, wake: true });
    expect(woke.rowCount).toBe(3);
    st = await s.stats();
    expect(st.resumes).toBe(1);
    expect(st.warehouses.TEST_WH).toBe("STARTED");
    // Running now: no opt-in needed.
    expect((await session.query!({ sql: "select 1 as x", maxRows: 1, timeoutMs: 5000 })).rows).toEqual([["1"]]);
  });

  it("test() without a configured database samples SHOW DATABASES", async () => {
    const s = scope("ops-test-nodb");
    const r = await (await s.open(undefined, { config: { database: undefined } })).test();
    expect(r.ok).toBe(true);
    expect(r.steps[4]!.message).toContain("Listed databases (3 visible)");
  });

  it("lists catalogs (databases) with keyset pagination", async () => {
    const s = scope("ops-catalogs");
    const session = await s.open();
    const first = await s.roundTrips("listCatalogs page 1", () => session.listCatalogs!({ limit: 2 }));
    expect(first.value.data.map((c) => c.name)).toEqual(["SFDEMO", "SFEMPTY"]);
    expect(first.value.data[0]!.comment).toBe("Demo database");
    expect(first.value.nextCursor).not.toBeNull();
    expect(first.trips).toBe(1);
    const second = await s.roundTrips("listCatalogs page 2", () => session.listCatalogs!({ limit: 2, cursor: first.value.nextCursor! }));
    expect(second.value.data.map((c) => c.name)).toEqual(["SFOTHER"]);
    expect(second.value.nextCursor).toBeNull();
  });

  it("lists schemas without INFORMATION_SCHEMA, paginated; unknown database is not_found", async () => {
    const s = scope("ops-schemas");
    const session = await s.open();
    const all = await s.roundTrips("listSchemas", () => session.listSchemas!({ catalog: "SFDEMO" }, { limit: 100 }));
    expect(all.value.data.map((x) => x.name)).toEqual(["BIG", "HR", "SALES", "TYPES", "WIDE"]);
    expect(all.value.data.find((x) => x.name === "SALES")!.comment).toBe("Sales data");
    expect(all.trips).toBe(1);
    const p1 = await session.listSchemas!({}, { limit: 3 });
    expect(p1.data.map((x) => x.name)).toEqual(["BIG", "HR", "SALES"]);
    const p2 = await session.listSchemas!({}, { limit: 3, cursor: p1.nextCursor! });
    expect(p2.data.map((x) => x.name)).toEqual(["TYPES", "WIDE"]);
    expect(p2.nextCursor).toBeNull();
    const err = await caught(session.listSchemas!({ catalog: "NO_SUCH_DB" }, { limit: 10 }));
    expect(err.code).toBe("not_found");
    expect(err.message).toContain("NO_SUCH_DB");
  });

  it("lists tables by schema and across schemas with a two-part cursor; unknown schema gives an empty list", async () => {
    const s = scope("ops-tables");
    const session = await s.open();
    const sales = await s.roundTrips("listTables", () => session.listTables!({ catalog: "SFDEMO", schema: "SALES" }, { limit: 10 }));
    expect(sales.value.data.map((t) => [t.name, t.kind])).toEqual([
      ["BIG_ORDERS", "view"],
      ["CUSTOMERS", "table"],
      ["ORDERS", "table"],
    ]);
    expect(sales.value.data[1]!.comment).toBe("Customers");
    expect(sales.trips).toBe(2); // SHOW TABLES and SHOW VIEWS, sent together
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await session.listTables!({}, { limit: 4, cursor });
      seen.push(...page.data.map((t) => `${t.schema}.${t.name}`));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toContain("WIDE.T7");
    expect(seen).toContain("BIG.NUMBERS");
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(pages).toBeGreaterThan(2);
    const none = await session.listTables!({ schema: "NO_SUCH_SCHEMA" }, { limit: 10 });
    expect(none).toEqual({ data: [], nextCursor: null });
  });

  it("lists columns with types, comments and pagination; unknown table is not_found", async () => {
    const s = scope("ops-columns");
    const session = await s.open();
    const cols = await s.roundTrips("listColumns", () => session.listColumns!({ schema: "SALES", table: "ORDERS" }, { limit: 100 }));
    expect(cols.trips).toBe(1);
    expect(cols.value.data).toEqual([
      { name: "ID", position: 1, type: "integer", nativeType: "NUMBER(38,0)", nullable: false, comment: null },
      { name: "CUSTOMER_ID", position: 2, type: "integer", nativeType: "NUMBER(38,0)", nullable: true, comment: null },
      { name: "AMOUNT", position: 3, type: "decimal", nativeType: "NUMBER(10,2)", nullable: true, comment: "Order total" },
      { name: "PLACED_AT", position: 4, type: "timestamp", nativeType: "TIMESTAMP_NTZ(9)", nullable: true, comment: null },
    ]);
    const p1 = await session.listColumns!({ schema: "WIDE", table: "COLS" }, { limit: 5 });
    const p2 = await session.listColumns!({ schema: "WIDE", table: "COLS" }, { limit: 5, cursor: p1.nextCursor! });
    const p3 = await session.listColumns!({ schema: "WIDE", table: "COLS" }, { limit: 5, cursor: p2.nextCursor! });
    expect([...p1.data, ...p2.data, ...p3.data].map((c) => c.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(p3.nextCursor).toBeNull();
    const nf = await s.roundTrips("listColumns (unknown table)", () => caught(session.listColumns!({ schema: "SALES", table: "NOPE" }, { limit: 10 })));
    expect(nf.value.code).toBe("not_found");
    expect(nf.trips).toBe(1);
  });

  it("previews a table with quoted identifiers and the preview cap", async () => {
    const s = scope("ops-preview");
    const session = await s.open(undefined, { limits: { previewRows: 2 } });
    const { value, trips } = await s.roundTrips("preview", () => session.preview!({ schema: "SALES", table: "CUSTOMERS", limit: 50 }));
    expect(trips).toBe(2); // the warehouse's state, then the statement
    expect(value.columns.map((c) => c.name)).toEqual(["ID", "NAME", "COUNTRY"]);
    expect(value.rows).toEqual([
      ["1", "Ada", "GB"],
      ["2", "Grace", "US"],
    ]);
    expect(value.rowCount).toBe(2);
    const nf = await caught(session.preview!({ schema: "SALES", table: 'NO"PE', limit: 5 }));
    expect(nf.code).toBe("not_found");
  });

  it("runs a read-only query with Snowflake identifier semantics", async () => {
    const s = scope("ops-query");
    const session = await s.open();
    const { value, trips } = await s.roundTrips("query", () =>
      session.query!({ sql: "select c.name, count(*) as orders from sales.customers c join sales.orders o on o.customer_id = c.id group by c.name order by c.name", maxRows: 100, timeoutMs: 10000 }),
    );
    expect(trips).toBe(2);
    expect(value.columns.map((c) => c.name)).toEqual(["NAME", "ORDERS"]);
    expect(value.rows).toEqual([
      ["Ada", "2"],
      ["Grace", "1"],
    ]);
    expect(value.truncated).toBe(false);
  });

  it("refuses writes and multiple statements before anything reaches Snowflake", async () => {
    const s = scope("ops-readonly");
    const session = await s.open();
    for (const sql of ["delete from sales.orders", "select 1; drop table sales.orders", "create table x (a int)", "insert into t values (1)"]) {
      const err = await caught(session.query!({ sql, maxRows: 10, timeoutMs: 5000 }));
      expect(err.code).toBe("invalid_request");
    }
    expect((await s.stats()).requests.total).toBe(0);
  });

  it("maps SQL errors and privilege failures with Snowflake's messages and codes", async () => {
    const s = scope("ops-errors");
    const session = await s.open();
    const syntax = await caught(session.query!({ sql: "select from where", maxRows: 1, timeoutMs: 5000 }));
    expect(syntax.code).toBe("upstream_error");
    expect(syntax.detail.engineCode).toBe("001003");
    expect(syntax.message).toContain("syntax error");
    const ident = await caught(session.query!({ sql: "select nope from sales.orders", maxRows: 1, timeoutMs: 5000 }));
    expect(ident.detail.engineCode).toBe("000904");
    expect(ident.message).toContain("invalid identifier 'NOPE'");
    const priv = await caught(session.preview!({ schema: "HR", table: "SALARIES", limit: 5 }));
    expect(priv.code).toBe("permission_denied");
    expect(priv.message).toContain("Insufficient privileges");
    for (const e of [syntax, ident, priv]) expectNoSecrets(e.message);
  });

  it("declares its hosts and capabilities, and is stopped by the egress guard when private addresses are off", async () => {
    expect(snowflakeConnector.hosts(snowflakeConnector.config.parse({ account: "myorg-myaccount" }))).toEqual(["myorg-myaccount.snowflakecomputing.com"]);
    const s = scope("ops-egress");
    expect(snowflakeConnector.hosts(s.config)).toEqual(["127.0.0.1"]);
    expect(snowflakeConnector.capabilities).toEqual(["sql", "catalogs", "schemas", "tables", "columns", "preview"]);
    expect(snowflakeConnector.config.safeParse({ account: "a", extra: 1 }).success).toBe(false);
    const ctx = createConnectorContext({ allowPrivateNetwork: false, timeoutMs: 5000, limits: clampLimits({}) });
    const r = await (await snowflakeConnector.open(s.config, keyPair(), ctx)).test();
    expect(r.ok).toBe(false);
    expect(r.steps[0]).toMatchObject({ name: "connect", status: "failed", code: "host_not_allowed" });
    expect((await s.stats()).requests.total).toBe(0);
  });

  it("kept every response of this file within the vendor spec", async () => {
    const v = await violations();
    expect(v.specLoaded).toBe(true);
    expect(v.checked).toBeGreaterThan(0);
    expect(v.violations).toEqual([]);
  });
});
