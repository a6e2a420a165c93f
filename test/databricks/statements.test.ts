// Statement protocol behaviour: calls send wake=true, so no warehouse-state lookup precedes them.
import { describe, expect, it } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { createAuth } from "../../src/connectors/databricks/auth";
import { DatabricksClient, MAX_RETRIES } from "../../src/connectors/databricks/client";
import { runStatement, waitTimeout } from "../../src/connectors/databricks/statements";
import { allText, failure, secretsOf, servers, workspace } from "./helpers";

describe("databricks connector: SQL statements", () => {
  it("previews a table in one round trip when the result is ready within wait_timeout", async () => {
    const w = workspace("preview");
    const s = await w.open();
    const { result, trips } = await w.measure("preview (5 rows)", () => s.preview!({ schema: "sales", table: "orders", limit: 5, wake: true }));
    expect(trips).toEqual({ total: 1, execute: 1 });
    expect(result.columns.map((c) => [c.name, c.type, c.nativeType])).toEqual([
      ["order_id", "integer", "BIGINT"],
      ["customer", "string", "STRING"],
      ["amount", "decimal", "DECIMAL(10,2)"],
      ["status", "string", "STRING"],
      ["created_at", "timestamp_tz", "TIMESTAMP"],
    ]);
    expect(result.rowCount).toBe(5);
    expect(result.truncated).toBe(true);
    expect(result.rows[0]).toEqual(["1", "customer-1", "10.25", "open", "2024-01-01T01:00:00.000Z"]);
    const all = await s.preview!({ schema: "sales", table: "orders", limit: 100, wake: true });
    expect(all.rowCount).toBe(25);
    expect(all.truncated).toBe(false);
  });

  it("quotes identifiers in previews and reports an unknown table as not found", async () => {
    const w = workspace("preview-odd");
    const s = await w.open();
    const odd = await s.preview!({ schema: "default", table: "odd name", limit: 10, wake: true });
    expect(odd.columns.map((c) => c.name)).toEqual(['weird "col"']);
    expect(odd.rows).toEqual([["x"]]);
    const err = await failure(s.preview!({ schema: "sales", table: "nope`; DROP TABLE x; --", limit: 1, wake: true }));
    expect(err.code).toBe("not_found");
    expect(err.detail.engineCode).toBe("TABLE_OR_VIEW_NOT_FOUND");
  });

  it("returns columns and no rows for an empty table", async () => {
    const w = workspace("empty");
    const s = await w.open();
    const r = await s.preview!({ schema: "default", table: "empty_table", limit: 10, wake: true });
    expect(r).toMatchObject({ columns: [{ name: "id", type: "integer", nativeType: "INT" }], rows: [], rowCount: 0, truncated: false });
  });

  it("decodes every type into JSON-safe values", async () => {
    const w = workspace("decode");
    const s = await w.open();
    const r = await s.query!({ sql: "SELECT * FROM `main`.`sales`.`all_types` ORDER BY id", maxRows: 10, timeoutMs: 10000, wake: true });
    const types = Object.fromEntries(r.columns.map((c) => [c.name, c.type]));
    expect(r.columns.find((c) => c.name === "c_struct")?.nativeType).toBe("STRUCT<street:STRING,zip:INT>");
    expect(types).toMatchObject({
      c_tinyint: "integer",
      c_bigint: "integer",
      c_decimal: "decimal",
      c_float: "float",
      c_boolean: "boolean",
      c_date: "date",
      c_timestamp: "timestamp_tz",
      c_timestamp_ntz: "timestamp",
      c_binary: "binary",
      c_array: "array",
      c_struct: "struct",
      c_map: "map",
      c_variant: "json",
      c_interval: "other",
    });
    const row = Object.fromEntries(r.columns.map((c, i) => [c.name, r.rows[0]![i]]));
    expect(row).toEqual({
      id: 1,
      c_tinyint: 7,
      c_smallint: -12,
      c_int: 2147483647,
      c_bigint: "9223372036854775807",
      c_decimal: "12345678901234567890.123456789",
      c_float: 1.5,
      c_double: 3.141592653589793,
      c_boolean: true,
      c_string: 'héllo "quoted"',
      c_char: "abc",
      c_date: "2024-02-29",
      c_timestamp: "2024-03-01T12:34:56.789Z",
      c_timestamp_ntz: "2024-03-01T12:34:56.789",
      c_binary: "AAH//g==",
      c_interval: "1 day 02:00:00",
      c_array: [1, 2, 3],
      c_struct: { street: "1 Main St", zip: 12345 },
      c_map: { a: 1, b: "9007199254740993" }, // beyond 2^53: kept exact, as a string
      c_variant: { k: [1, "two", null] },
    });
    expect(r.rows[1]!.slice(1).every((v) => v === null)).toBe(true);
    // JSON-safe: survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(r.rows))).toEqual(r.rows);
  });

  it("runs a query with row_limit = maxRows + 1 and reports truncation", async () => {
    const w = workspace("query");
    const s = await w.open();
    const { result, trips } = await w.measure("query (maxRows 10 of 500)", () =>
      s.query!({ sql: "SELECT n FROM numbers ORDER BY n", maxRows: 10, timeoutMs: 10000, wake: true }),
    );
    expect(trips.total).toBe(1);
    expect(result.rows).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1]));
    expect(result.truncated).toBe(true);
    const exact = await s.query!({ sql: "SELECT n FROM numbers WHERE n <= 10 ORDER BY n;", maxRows: 10, timeoutMs: 10000, wake: true });
    expect(exact.rowCount).toBe(10);
    expect(exact.truncated).toBe(false);
  });

  it("stops reading rows at the byte budget and reports truncation", async () => {
    const w = workspace("bytes");
    await w.control({ chunkRows: 50 });
    const ctx = createConnectorContext({ allowPrivateNetwork: true, timeoutMs: 10000, limits: { ...clampLimits({}), responseBytes: 300 } });
    const { databricksConnector } = await import("../../src/connectors/databricks");
    const s = await databricksConnector.open(w.config, w.pat, ctx);
    const { result, trips } = await w.measure("query (300-byte budget)", () => s.query!({ sql: "SELECT n FROM numbers ORDER BY n", maxRows: 500, timeoutMs: 10000, wake: true }));
    expect(result.truncated).toBe(true);
    expect(result.rowCount).toBeGreaterThan(10);
    expect(result.rowCount).toBeLessThan(100);
    expect(JSON.stringify(result.rows).length).toBeLessThanOrEqual(400);
    expect(trips.chunk ?? 0).toBeLessThanOrEqual(1);
  });

  it("refuses anything but one read-only statement before reaching Databricks", async () => {
    const w = workspace("readonly");
    const s = await w.open();
    for (const sql of ["DROP TABLE sales.orders", "SELECT 1; SELECT 2", "INSERT INTO sales.numbers VALUES (1)", "WITH x AS (DELETE FROM t) SELECT 1"]) {
      const err = await failure(s.query!({ sql, maxRows: 1, timeoutMs: 5000 }));
      expect(err.code).toBe("invalid_request");
    }
    expect(await w.stats()).toEqual({ total: 0 });
  });

  it("maps FAILED statements to errors carrying the engine's error class and SQLSTATE", async () => {
    const w = workspace("failed");
    const s = await w.open();
    const err = await failure(s.query!({ sql: "SELECT 1/0", maxRows: 1, timeoutMs: 5000, wake: true }));
    expect(err.code).toBe("upstream_error");
    expect(err.detail.engineCode).toBe("DIVIDE_BY_ZERO");
    expect(err.message).toContain("[DIVIDE_BY_ZERO]");
    expect(err.message).toContain("SQLSTATE 22012");
    const syntax = await failure(s.query!({ sql: "SELECT FROM WHERE", maxRows: 1, timeoutMs: 5000, wake: true }));
    expect(syntax.detail.engineCode).toBe("PARSE_SYNTAX_ERROR");
  });

  it("polls a PENDING statement with backoff until it succeeds", async () => {
    const w = workspace("pending");
    await w.control({ pendingPolls: 3 });
    const s = await w.open();
    const { result, trips } = await w.measure("query (PENDING, 3 polls)", () => s.query!({ sql: "SELECT 42 AS answer", maxRows: 5, timeoutMs: 10000, wake: true }));
    expect(result.rows).toEqual([[42]]);
    expect(trips).toEqual({ total: 5, execute: 1, get: 4 });
  });

  it("follows chunks only as far as the row cap needs", async () => {
    const w = workspace("chunks");
    await w.control({ chunkRows: 100 });
    const s = await w.open();
    // 500 rows in 5 chunks of 100; row_limit 251 => 3 chunks exist; a cap of 150 (+1) needs 2.
    const { result, trips } = await w.measure("query (chunks of 100, maxRows 150)", () =>
      s.query!({ sql: "SELECT n FROM numbers ORDER BY n", maxRows: 150, timeoutMs: 10000, wake: true }),
    );
    expect(result.rowCount).toBe(150);
    expect(result.rows.at(-1)).toEqual([150]);
    expect(result.truncated).toBe(true);
    expect(trips).toEqual({ total: 2, execute: 1, chunk: 1 });
    const all = await w.measure("query (chunks of 100, all 500)", () => s.query!({ sql: "SELECT n FROM numbers ORDER BY n", maxRows: 1000, timeoutMs: 10000, wake: true }));
    expect(all.result.rowCount).toBe(500);
    expect(all.result.truncated).toBe(false);
    expect(all.result.rows.map((r) => r[0])).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(all.trips).toEqual({ total: 5, execute: 1, chunk: 4 });
  });

  it("cancels a statement that outlives the deadline and reports a timeout", async () => {
    const w = workspace("timeout");
    await w.control({ hang: true });
    const s = await w.open(w.pat, { timeoutMs: 3000 });
    const started = Date.now();
    const { result: err, trips } = await w.measure("query (hangs, 3 s deadline)", () => failure(s.query!({ sql: "SELECT 1", maxRows: 1, timeoutMs: 3000, wake: true })));
    expect(err.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(5000); // cut off at the deadline, not left hanging
    expect(trips.cancel).toBe(1);
    expect(trips.execute).toBe(1);
    expect(trips.get).toBeGreaterThanOrEqual(1);
    expect((await w.statements()).map((st) => st.state)).toEqual(["CANCELED"]);
  });

  it("sends wait_timeout within the API's rules and the server rejects anything else", async () => {
    const now = 1_000_000;
    expect(waitTimeout(now + 15000, now)).toBe("14s");
    expect(waitTimeout(now + 120000, now)).toBe("50s");
    expect(waitTimeout(now + 5500, now)).toBe("0s");
    expect(waitTimeout(now + 6000, now)).toBe("5s");
    for (const bad of ["3s", "51s", "10", "1m"]) {
      const res = await fetch(`${servers.databricksEndpoint}/api/2.0/sql/statements`, {
        method: "POST",
        headers: { authorization: `Bearer ${servers.databricksPat}`, "content-type": "application/json" },
        body: JSON.stringify({ statement: "SELECT 1", warehouse_id: servers.databricksWarehouseId, wait_timeout: bad }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
    }
  });

  it("binds named parameters with types", async () => {
    const w = workspace("params");
    const ctx = createConnectorContext({ allowPrivateNetwork: true, timeoutMs: 10000, limits: clampLimits({}) });
    const client = new DatabricksClient(w.endpoint, ctx, createAuth(w.endpoint, w.pat));
    const r = await runStatement(client, {
      statement: "SELECT n, :label AS label, :d AS d FROM `main`.`sales`.`numbers` WHERE n BETWEEN :lo AND :hi ORDER BY n",
      warehouseId: servers.databricksWarehouseId!,
      parameters: [
        { name: "lo", value: "3", type: "INT" },
        { name: "hi", value: "4", type: "INT" },
        { name: "label", value: "it's" },
        { name: "d", value: "2024-05-06", type: "DATE" },
      ],
      rowLimit: 10,
      fetchRows: 10,
      maxBytes: 10000,
      deadline: Date.now() + 8000,
    });
    expect(r.rows).toEqual([
      [3, "it's", "2024-05-06"],
      [4, "it's", "2024-05-06"],
    ]);
    expect(r.columns.map((c) => c.type)).toEqual(["integer", "string", "date"]);
  });

  it("retries 429 and 503 with backoff honouring Retry-After, then gives up after a cap", async () => {
    const w = workspace("retry");
    const s = await w.open();
    await w.control({ failStatus: 429, failCount: 2, retryAfter: 0 });
    const ok = await w.measure("query (2 x 429 first)", () => s.query!({ sql: "SELECT 1 AS x", maxRows: 1, timeoutMs: 10000, wake: true }));
    expect(ok.result.rows).toEqual([[1]]);
    expect(ok.trips).toEqual({ total: 3, refused: 2, execute: 1 });

    await w.control({ failStatus: 503, failCount: 1, retryAfter: 1 });
    const t0 = Date.now();
    const ok503 = await w.measure("listCatalogs (1 x 503, Retry-After 1)", () => s.listCatalogs!({ limit: 10 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(ok503.trips).toEqual({ total: 2, refused: 1, catalogs: 1 });

    await w.control({ failStatus: 429, failCount: 100, retryAfter: 0 });
    const { result: err, trips } = await w.measure("listCatalogs (429 forever)", () => failure(s.listCatalogs!({ limit: 10 })));
    expect(err.code).toBe("rate_limited");
    expect(trips.refused).toBe(MAX_RETRIES + 1);

    await w.control({ failStatus: 503, failCount: 1, retryAfter: 3600 });
    const far = await failure(s.listCatalogs!({ limit: 10 }));
    expect(far.code).toBe("upstream_error");
    expect(far.detail.retryAfterSeconds).toBe(3600);
    await w.control({ failCount: 0 });
  });

  it("times out a slow metadata call at the deadline", async () => {
    const w = workspace("slow");
    await w.control({ delayMs: 3000, delayCount: 1 });
    const s = await w.open(w.pat, { timeoutMs: 1000 });
    const t0 = Date.now();
    const err = await failure(s.listCatalogs!({ limit: 10 }));
    expect(err.code).toBe("timeout");
    expect(Date.now() - t0).toBeLessThan(2900); // before the 3 s answer arrives
  });

  it("never puts a secret in an error message", async () => {
    const w = workspace("secrets");
    const s = await w.open();
    const errors = [
      await failure(s.query!({ sql: "SELECT 1/0", maxRows: 1, timeoutMs: 5000, wake: true })),
      await failure(s.query!({ sql: `SELECT ${servers.databricksPat} FROM numbers`, maxRows: 1, timeoutMs: 5000, wake: true })),
    ];
    for (const e of errors) for (const secret of secretsOf()) expect(allText(e)).not.toContain(secret);
  });
});
