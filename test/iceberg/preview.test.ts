import { describe, expect, it } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { icebergConnector } from "../../src/connectors/iceberg";
import { catalog, failure, secretsOf, servers } from "./helpers";

// Previews read real table files from the S3 test server: the manifest list and manifests written
// with avsc (Avro, deflate), the data files with hyparquet-writer, through credentials the catalog
// vends for the table.

describe("iceberg: preview", () => {
  it("reads the current snapshot's rows across data files with vended credentials", async () => {
    const c = catalog("r2");
    const s = await c.open();
    const { result } = await c.measure("preview (r2, 2 data files)", () => s.preview!({ schema: "sales", table: "payments", limit: 100 }));
    expect(result.columns.map((x) => [x.name, x.type])).toEqual([
      ["payment_id", "integer"],
      ["method", "string"],
      ["cents", "integer"],
    ]);
    expect(result.rows).toEqual([
      ["1", "card", 1250],
      ["2", "cash", 399],
      ["3", null, 0],
      ["4", "card", 10001],
      ["5", "transfer", 2147483647],
    ]);
    expect(result).toMatchObject({ rowCount: 5, truncated: false });
    // Storage reads: manifest list, one manifest, then per data file one GET of its last 64 KB, which
    // holds the whole (small) file: its rows come from those bytes, not from a second GET.
    console.log(`[iceberg r2 storage requests] preview (2 data files): ${result.requests} GETs, ${result.bytesRead} bytes`);
    expect(result.requests).toBe(2 + 2);
    expect(result.warnings).toBeUndefined();
    expect((await c.delegation()).at(-1)).toEqual({ delegation: "vended-credentials" });
    for (const secret of secretsOf()) expect(JSON.stringify(result)).not.toContain(secret);
  });

  it("stops at the row limit and says the result is truncated", async () => {
    const s = await catalog("polaris").open();
    const r = await s.preview!({ schema: "sales", table: "payments", limit: 4 });
    expect(r.rows.map((x) => x[0])).toEqual(["1", "2", "3", "4"]);
    expect(r.truncated).toBe(true);
    const two = await s.preview!({ schema: "sales", table: "payments", limit: 2 });
    expect(two).toMatchObject({ rowCount: 2, truncated: true });
  });

  it("applies position and equality deletes by data sequence number", async () => {
    const s = await catalog("r2").open();
    const r = await s.preview!({ schema: "sales", table: "refunds", limit: 10 });
    // The position-delete file (sequence 1) names row 0 of both data files: it deletes 10 from the
    // first (sequence 1) but not 12 from the second (sequence 2, newer). The equality delete
    // (sequence 2) of payment_id 11 and 12 applies to data files older than itself: 11 goes, 12 stays.
    expect(r.rows).toEqual([["12", "cash", -75]]);
    expect(r).toMatchObject({ rowCount: 1, truncated: false });
    expect(r.warnings).toBeUndefined();
    // With a limit of 1 the deleted rows are skipped, not counted: the first live row.
    const one = await s.preview!({ schema: "sales", table: "refunds", limit: 1 });
    expect(one).toMatchObject({ rows: [["12", "cash", -75]], truncated: false });
  });

  it("reads on past rows an equality delete removes until the limit is met", async () => {
    const s = await catalog("r2").open();
    // The first four of six rows are deleted: a limit of 1 still finds the fifth.
    const one = await s.preview!({ schema: "sales", table: "purged", limit: 1 });
    expect(one).toMatchObject({ rows: [["24", "card", -1]], rowCount: 1, truncated: true });
    const all = await s.preview!({ schema: "sales", table: "purged", limit: 10 });
    expect(all).toMatchObject({ rows: [["24", "card", -1], ["25", "card", -1]], rowCount: 2, truncated: false });
  });

  it("matches each data file's columns to the current schema by field id (rename, drop, add; data and delete files written by DuckDB)", async () => {
    const s = await catalog("r2").open();
    const r = await s.preview!({ schema: "sales", table: "renamed", limit: 10 });
    // The current schema's columns, in its order: "method" was renamed, "cents" dropped, "note" added.
    expect(r.columns.map((x) => [x.name, x.type, x.nativeType])).toEqual([
      ["payment_id", "integer", "long"],
      ["note", "string", "string"],
      ["payment_method", "string", "string"],
    ]);
    // The old file's "method" (field 2) is payment_method; it has no note (field 4): null. The new
    // file holds its columns in another order than the schema. Row 1 of the old file (payment 2) is
    // deleted by a position-delete file DuckDB wrote with the spec's reserved field ids.
    expect(r.rows).toEqual([
      ["1", null, "card"],
      ["3", "late fee", "transfer"],
    ]);
    expect(r).toMatchObject({ rowCount: 2, truncated: false });
    expect(r.warnings).toBeUndefined();
  });

  it("reads a migrated Hive file without field ids through the name mapping, with its identity-partition values", async () => {
    const s = await catalog("r2").open();
    const r = await s.preview!({ schema: "sales", table: "migrated", limit: 10 });
    expect(r.columns.map((x) => x.name)).toEqual(["id", "payment_method", "region", "refunded"]);
    // "method" is payment_method by the mapping; region is in the file's partition tuple only;
    // refunded was added with an initial-default, which is not applied (said so).
    expect(r.rows).toEqual([
      ["7", "card", "eu", null],
      ["8", "cash", "eu", null],
    ]);
    expect(r.warnings).toEqual(["Column refunded: its initial-default is not applied to data files written before it was added; shown as null"]);
  });

  it("an empty table has columns and no rows; an unknown table is 404", async () => {
    const s = await catalog("r2").open();
    const r = await s.preview!({ schema: "sales", table: "customers", limit: 10 });
    expect(r).toMatchObject({ rows: [], rowCount: 0, truncated: false });
    expect(r.columns.map((x) => x.name)).toEqual(["id", "name", "uuid"]);
    expect((await failure(s.preview!({ schema: "sales", table: "nope", limit: 10 }))).code).toBe("not_found");
  });

  it("vended storage hosts must pass the egress guard too", async () => {
    const c = catalog("r2");
    const hosts = icebergConnector.hosts(c.config);
    expect(hosts).toEqual(["127.0.0.1"]);
    // The storage host the catalog vends (localhost here) is not among the connection's hosts.
    const config = { ...c.config };
    const ctx = createConnectorContext({ allowPrivateNetwork: true, allowedHosts: ["127.0.0.1"], timeoutMs: 10000, limits: clampLimits({}) });
    const s = await icebergConnector.open(config, c.credential, ctx);
    const vendedHost = new URL(servers.s3Endpoint!).hostname;
    if (vendedHost === "127.0.0.1") {
      // Same host: allowed, the preview works.
      expect((await s.preview!({ schema: "sales", table: "payments", limit: 1 })).rowCount).toBe(1);
    }
    const strict = createConnectorContext({ allowPrivateNetwork: true, allowedHosts: ["127.0.0.2"], timeoutMs: 10000, limits: clampLimits({}) });
    const refused = await icebergConnector.open({ ...config, catalogUri: config.catalogUri.replace("127.0.0.1", "127.0.0.2") }, c.credential, strict);
    expect((await failure(refused.preview!({ schema: "sales", table: "payments", limit: 1 }))).code).toMatch(/host_not_allowed|unreachable/);
  });
});
