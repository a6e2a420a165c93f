import { describe, expect, it } from "vitest";
import type { RowSet } from "../../src/connectors/types";
import { measured, mintKey, object, open, rejection, sizeOf, type Key } from "./helpers";

// Previews per format and codec, with the requests and bytes the server counted.

let key: Key;
const session = async (previewRows = 1000) => {
  key ??= await mintKey();
  return open(key, { previewRows });
};

async function preview(path: string, limit: number, columns?: string[]) {
  const s = await session();
  const { result, delta } = await measured(key, object(path), () => s.preview!({ schema: "", table: path, limit, columns }));
  return { rows: result as RowSet, delta, session: s };
}

const record = (r: RowSet, i: number) => Object.fromEntries(r.columns.map((c, j) => [c.name, r.rows[i]![j]]));

describe("parquet previews", () => {
  it.each(["snappy", "gzip", "zstd", "none"])("types-%s.parquet: JSON-safe values of every type", async (codec) => {
    const { rows, delta } = await preview(`parquet/types-${codec}.parquet`, 5);
    expect(rows.rowCount).toBe(5);
    expect(rows.truncated).toBe(true);
    expect(rows.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "integer"],
      ["amount", "decimal"],
      ["price", "float"],
      ["name", "string"],
      ["active", "boolean"],
      ["day", "date"],
      ["ts", "timestamp_tz"],
      ["tags", "array"],
      ["addr", "struct"],
      ["attrs", "map"],
      ["payload", "binary"],
    ]);
    expect(record(rows, 0)).toEqual({
      id: "1000000007",
      amount: "-0.50",
      price: 0.5,
      name: "name 0 ü",
      active: true,
      day: "2024-01-01",
      ts: "2024-05-18T17:20:21Z",
      tags: [],
      addr: { city: "city-0", zip: 10000 },
      attrs: { k: "v0", x0: "y" },
      payload: "AAECAw==",
    });
    expect(record(rows, 1)).toMatchObject({ id: "2000000014", amount: "0.51", tags: ["t0"], ts: "2024-05-18T17:20:22Z" });
    expect(record(rows, 4).tags).toBeNull();
    // the file (about 12 KB) is smaller than the footer read: its one suffix GET brings every byte, and
    // the rows are decoded from those bytes (a second GET for the row group would be counted here)
    expect(delta.requests).toBe(1);
    expect(delta.log.map((l) => l.range)).toEqual(["bytes=-65536"]);
    expect(delta.bytes).toBe(await sizeOf((await session()), `parquet/types-${codec}.parquet`));
    JSON.stringify(rows.rows); // JSON-safe: no BigInt, no typed arrays
  });

  it("a limit larger than the first row group reads on into the next row groups", async () => {
    const { rows, delta } = await preview("parquet/types-snappy.parquet", 1000);
    expect(rows.rowCount).toBe(200);
    expect(rows.truncated).toBe(false);
    expect(record(rows, 99)).toMatchObject({ id: String(100n * 1000000007n), amount: null });
    expect(record(rows, 199)).toMatchObject({ id: String(200n * 1000000007n), amount: null });
    expect(record(rows, 150)).toMatchObject({ id: String(151n * 1000000007n), amount: "151.00" });
    // both row groups come from the footer read, which held the whole (small) file: one GET in all
    expect(delta.requests).toBe(1);
    expect(rows.requests).toBe(1);
    expect(rows.bytesRead).toBe(delta.bytes);
  });

  it("the 50+ MB single-row-group file: only the pages holding the first rows are read", async () => {
    const { rows, delta, session: s } = await preview("big/big.parquet", 100);
    const size = await sizeOf(s, "big/big.parquet");
    console.log(`[s3] preview big/big.parquet (${size} bytes, 1 row group), 100 rows: ${delta.requests} request(s), ${delta.bytes} bytes read`);
    expect(rows.rowCount).toBe(100);
    expect(rows.truncated).toBe(true);
    expect(rows.rows.map((r) => r[0])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    expect(String(record(rows, 7).label)).toMatch(/^row-7-/);
    expect(delta.log[0]!.range).toBe("bytes=-65536");
    expect(delta.log.every((l) => l.method === "GET" && l.range !== null)).toBe(true);
    expect(delta.bytes).toBeLessThan(8 * 1024 * 1024); // a fraction of the 60+ MB row group
    expect(delta.requests).toBeLessThanOrEqual(1 + 2 * 5); // footer + at most two reads per column
  });

  it("columns= on the 50+ MB file reads only that column's pages (the footer read holds none of them)", async () => {
    const all = await preview("big/big.parquet", 100);
    const { rows, delta } = await preview("big/big.parquet", 100, ["label"]);
    expect(rows.columns.map((c) => c.name)).toEqual(["label"]);
    expect(String(rows.rows[7]![0])).toMatch(/^row-7-/);
    expect(delta.log[0]!.range).toBe("bytes=-65536");
    expect(delta.requests).toBeLessThanOrEqual(1 + 2); // footer + at most two reads of the one column
    expect(delta.requests).toBeLessThan(all.delta.requests);
    expect(delta.bytes).toBeLessThan(all.delta.bytes);
  });

  it("the 50+ MB file with a large footer: footer (2 GETs) plus the first row group", async () => {
    const { rows, delta, session: s } = await preview("big/wide.parquet", 50);
    const size = await sizeOf(s, "big/wide.parquet");
    console.log(`[s3] preview big/wide.parquet (${size} bytes, 130 row groups), 50 rows: ${delta.requests} request(s), ${delta.bytes} bytes read`);
    expect(rows.rowCount).toBe(50);
    expect(rows.columns).toHaveLength(60);
    expect(rows.rows.map((r) => r[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(delta.requests).toBe(3);
    expect(delta.bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it("a 6 MB first row group of 40 columns is read whole in one request, not one per column", async () => {
    const { rows, delta, session: s } = await preview("big/many-columns.parquet", 20);
    const size = await sizeOf(s, "big/many-columns.parquet");
    expect(size).toBeGreaterThan(6 * 1024 * 1024);
    expect(rows.rowCount).toBe(20);
    expect(rows.rows.map((r) => r[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(delta.requests).toBe(2); // footer + the row group
  });

  it("errors are invalid_request, as for schemas", async () => {
    const s = await session();
    for (const [path, message] of [
      ["parquet/truncated.parquet", /truncated Parquet file/],
      ["parquet/not-really.parquet", /not a Parquet file/],
      ["parquet/corrupt-footer.parquet", /footer is corrupt/],
      ["empty.csv", /empty/],
      ["bin/random.bin", /binary/],
    ] as const) {
      const err = await rejection(s.preview!({ schema: "", table: path, limit: 10 }));
      expect(err.code, path).toBe("invalid_request");
      expect(err.message).toMatch(message);
    }
    expect((await rejection(s.preview!({ schema: "", table: "nope.parquet", limit: 10 }))).code).toBe("not_found");
  });
});

describe("text previews", () => {
  it("CSV: typed values, header names, one 64 KB GET", async () => {
    const { rows, delta } = await preview("csv/simple.csv", 3);
    expect(delta.requests).toBe(1);
    expect(rows.columns.map((c) => c.type)).toEqual(["integer", "decimal", "boolean", "date", "timestamp_tz", "string"]);
    expect(rows.rows).toEqual([
      [1, "1.01", true, "2024-01-02", "2024-01-02T03:04:01Z", "name 1"],
      [2, "2.02", false, "2024-01-03", "2024-01-02T03:04:02Z", "name 2"],
      [3, "3.03", true, "2024-01-04", "2024-01-02T03:04:03Z", "name 3"],
    ]);
    expect(rows.truncated).toBe(true);
  });

  it("quoted CSV keeps embedded newlines, delimiters and quotes", async () => {
    const { rows } = await preview("csv/quoted.csv", 100);
    expect(rows.rows).toEqual([
      [1, "hello, world", "1.5"],
      [2, "line one\r\nline two", "2.25"],
      [3, 'she said "hi"', "3"],
      [4, null, "4.75"],
    ]);
    expect(rows.truncated).toBe(false);
  });

  it("BOM + semicolons, tabs", async () => {
    const bom = await preview("csv/semicolon-bom.csv", 2);
    expect(bom.rows.columns[0]!.name).toBe("id");
    expect(bom.rows.rows[0]![0]).toBe(1);
    const tsv = await preview("csv/tabs.tsv", 2);
    expect(tsv.rows.rows[1]).toEqual([2, "2.02", false, "2024-01-03", "2024-01-02T03:04:02Z", "name 2"]);
  });

  it("a large CSV grows its ranged reads until it has enough rows", async () => {
    const small = await preview("csv/big.csv", 100);
    expect(small.delta.requests).toBe(1);
    expect(small.rows.rowCount).toBe(100);
    const large = await preview("csv/big.csv", 1000);
    expect(large.rows.rowCount).toBe(1000);
    expect(large.rows.rows[999]![0]).toBe(1000);
    expect(large.delta.requests).toBe(1); // ~40 bytes a row: 1000 rows fit in the first 64 KB
    expect(large.delta.bytes).toBe(65536);
  });

  it("gzip CSV and NDJSON decompress as a stream and stop early", async () => {
    const csv = await preview("csv/big.csv.gz", 1000);
    expect(csv.rows.rowCount).toBe(1000);
    expect(csv.rows.rows[0]).toEqual([1, expect.any(String), false, "label 1, quoted"]);
    expect(csv.delta.requests).toBeLessThanOrEqual(2);
    const nd = await preview("json/events.ndjson.gz", 10);
    expect(nd.rows.rowCount).toBe(10);
    expect(record(nd.rows, 0)).toMatchObject({ id: 1, user: "u1", ok: false, tags: ["a", "b"], meta: { n: 1 } });
  });

  it("NDJSON and JSON arrays", async () => {
    const nd = await preview("json/events.ndjson", 5);
    expect(nd.delta.requests).toBe(1);
    expect(nd.rows.columns.map((c) => c.name)).toEqual(["id", "user", "score", "ok", "at", "tags", "meta"]);
    expect(record(nd.rows, 4)).toEqual({ id: 5, user: "u5", score: 5.25, ok: false, at: "2024-02-03T04:05:05Z", tags: ["a", "b"], meta: { n: 5 } });
    const arr = await preview("json/array.json", 100);
    expect(arr.rows.rowCount).toBe(30);
    expect(arr.rows.truncated).toBe(false);
    const big = await preview("json/big-array.json", 1000);
    expect(big.rows.rowCount).toBe(1000);
    expect(big.rows.truncated).toBe(true);
    expect(big.delta.requests).toBeGreaterThan(1); // 1000 records do not fit in the first 64 KB
    expect(big.delta.log[1]!.range).toBe("bytes=65536-327679");
  });

  it("keys with + and spaces preview fine", async () => {
    const { rows } = await preview("odd/a+b=c.csv", 10);
    expect(rows.rows).toEqual([[1, 2]]);
  });
});
