import { describe, expect, it } from "vitest";
import type { Column } from "../../src/connectors/types";
import { measured, mintKey, object, open, rejection, sizeOf, type Key } from "./helpers";

// Schema inference, with the requests and bytes the server counted for each object.

const SAMPLE = 65536;
let key: Key;
const session = async () => {
  key ??= await mintKey();
  return open(key);
};
const byName = (columns: unknown) => Object.fromEntries((columns as Column[]).map((c) => [c.name, c]));
const typesOf = (columns: unknown) => Object.fromEntries((columns as Column[]).map((c) => [c.name, c.type]));

async function infer(path: string) {
  const s = await session();
  const { result, delta } = await measured(key, object(path), () => s.inferFileSchema!({ path }));
  return { schema: result, delta, size: await sizeOf(s, path) };
}

describe("parquet schema from the footer", () => {
  it("one suffix-range GET (no HEAD) reads the footer of a small file: nested and logical types", async () => {
    const { schema, delta, size } = await infer("parquet/types-snappy.parquet");
    expect(delta.requests).toBe(1);
    expect(delta.log[0]).toMatchObject({ method: "GET", range: "bytes=-65536", status: 206 });
    expect(delta.bytes).toBe(Math.min(size, SAMPLE));
    expect(schema).toMatchObject({
      path: "parquet/types-snappy.parquet",
      format: "parquet",
      rowCount: 200,
      rowGroups: 2,
      codecs: ["SNAPPY"],
      inferredFromSample: false,
      sampledBytes: Math.min(size, SAMPLE),
    });
    const cols = byName(schema.columns);
    expect(Object.keys(cols)).toEqual(["id", "amount", "price", "name", "active", "day", "ts", "tags", "addr", "attrs", "payload"]);
    expect(cols.id).toMatchObject({ position: 1, type: "integer", nativeType: "INT64", nullable: false });
    expect(cols.amount).toMatchObject({ type: "decimal", nativeType: "INT64 DECIMAL(18,2)", nullable: true });
    expect(cols.price).toMatchObject({ type: "float", nativeType: "DOUBLE", nullable: false });
    expect(cols.name).toMatchObject({ type: "string", nativeType: "BYTE_ARRAY STRING" });
    expect(cols.active).toMatchObject({ type: "boolean", nativeType: "BOOLEAN" });
    expect(cols.day).toMatchObject({ type: "date", nativeType: "INT32 DATE" });
    expect(cols.ts).toMatchObject({ type: "timestamp_tz", nativeType: "INT64 TIMESTAMP(MICROS,UTC)" });
    expect(cols.tags).toMatchObject({ type: "array", nativeType: "LIST<BYTE_ARRAY UTF8>" });
    expect(cols.addr).toMatchObject({ type: "struct", nativeType: "STRUCT<city: BYTE_ARRAY UTF8, zip: INT32>" });
    expect(cols.attrs).toMatchObject({ type: "map", nativeType: "MAP<BYTE_ARRAY UTF8, BYTE_ARRAY UTF8>" });
    expect(cols.payload).toMatchObject({ type: "binary", nativeType: "BYTE_ARRAY" });
  });

  it.each([
    ["parquet/types-gzip.parquet", "GZIP"],
    ["parquet/types-zstd.parquet", "ZSTD"],
    ["parquet/types-none.parquet", "UNCOMPRESSED"],
  ])("%s reports codec %s in one request", async (path, codec) => {
    const { schema, delta, size } = await infer(path);
    expect(delta.requests).toBe(1);
    expect(delta.bytes).toBe(Math.min(size, SAMPLE));
    expect(schema.codecs).toEqual([codec]);
    expect(schema.rowCount).toBe(200);
  });

  it("a Parquet file without an extension is detected by its PAR1 magic", async () => {
    const { schema, delta, size } = await infer("parquet/part-00000");
    expect(schema.format).toBe("parquet");
    expect(size).toBeLessThanOrEqual(SAMPLE); // the first 64 KB held the whole file, footer included
    expect(delta.requests).toBe(1);
    expect(delta.log[0]!.range).toBe("bytes=0-65535");
  });

  it("the 50+ MB single-row-group file: one 64 KB suffix GET", async () => {
    const { schema, delta, size } = await infer("big/big.parquet");
    console.log(`[s3] schema big/big.parquet (${size} bytes): ${delta.requests} request(s), ${delta.bytes} bytes read`);
    expect(size).toBeGreaterThan(50 * 1024 * 1024);
    expect(delta.requests).toBe(1);
    expect(delta.bytes).toBe(SAMPLE);
    expect(delta.log.map((l) => l.range)).toEqual(["bytes=-65536"]);
    expect(schema).toMatchObject({ format: "parquet", rowCount: 1_400_000, rowGroups: 1, codecs: ["UNCOMPRESSED"] });
    expect(typesOf(schema.columns)).toEqual({ id: "integer", x: "float", y: "float", code: "integer", label: "string" });
  });

  it("the 50+ MB file whose footer is larger than 64 KB: exactly one more ranged GET for the rest of the footer", async () => {
    const { schema, delta, size } = await infer("big/wide.parquet");
    const footer = schema.footerBytes as number;
    console.log(
      `[s3] schema big/wide.parquet (${size} bytes, footer ${footer} bytes): ${delta.requests} request(s), ${delta.bytes} bytes read`,
    );
    expect(size).toBeGreaterThan(50 * 1024 * 1024);
    expect(footer + 8).toBeGreaterThan(SAMPLE);
    expect(delta.requests).toBe(2);
    expect(delta.log[0]!.range).toBe("bytes=-65536");
    expect(delta.log[1]!.range).toBe(`bytes=${size - footer - 8}-${size - SAMPLE - 1}`);
    expect(delta.bytes).toBe(footer + 8); // not one byte more than the footer, its length and the magic
    expect(schema).toMatchObject({ rowCount: 130_000, rowGroups: 130, codecs: ["SNAPPY"] });
    expect((schema.columns as Column[]).length).toBe(60);
  });
});

describe("text schema from one ranged GET of at most 64 KB", () => {
  it("CSV: header, delimiter and types (integer, decimal, boolean, date, timestamp, string)", async () => {
    const { schema, delta, size } = await infer("csv/simple.csv");
    expect(delta.requests).toBe(1);
    expect(delta.log[0]!.range).toBe("bytes=0-65535");
    expect(delta.bytes).toBe(Math.min(size, SAMPLE));
    expect(schema).toMatchObject({
      format: "csv",
      delimiter: ",",
      header: true,
      bom: false,
      inferredFromSample: true,
      sampledBytes: size,
      sampledRows: 50,
    });
    expect(typesOf(schema.columns)).toEqual({
      id: "integer",
      amount: "decimal",
      active: "boolean",
      day: "date",
      seen_at: "timestamp_tz",
      name: "string",
    });
    expect(byName(schema.columns).id).toMatchObject({ position: 1, nullable: false });
  });

  it("semicolons with a BOM", async () => {
    const { schema } = await infer("csv/semicolon-bom.csv");
    expect(schema).toMatchObject({ format: "csv", delimiter: ";", header: true, bom: true });
    expect((schema.columns as Column[])[0]!.name).toBe("id");
    expect(typesOf(schema.columns).amount).toBe("decimal");
  });

  it("tabs (tsv) and pipes", async () => {
    const tsv = await infer("csv/tabs.tsv");
    expect(tsv.schema).toMatchObject({ format: "tsv", delimiter: "\t", header: true });
    const psv = await infer("csv/pipes.psv");
    expect(psv.schema).toMatchObject({ format: "csv", delimiter: "|", header: true });
    expect(typesOf(psv.schema.columns).active).toBe("boolean");
  });

  it("quoted fields with delimiters, embedded newlines and escaped quotes", async () => {
    const { schema } = await infer("csv/quoted.csv");
    expect(schema).toMatchObject({ format: "csv", delimiter: ",", header: true, quotedFields: true, sampledRows: 4 });
    expect(typesOf(schema.columns)).toEqual({ id: "integer", comment: "string", price: "decimal" });
    expect(byName(schema.columns).comment!.nullable).toBe(true);
  });

  it("a file without a header gets positional names", async () => {
    const { schema } = await infer("csv/noheader.csv");
    expect(schema.header).toBe(false);
    expect(typesOf(schema.columns)).toEqual({ column_1: "integer", column_2: "decimal", column_3: "boolean" });
  });

  it("a large CSV is sampled from its first 64 KB only", async () => {
    const { schema, delta, size } = await infer("csv/big.csv");
    expect(size).toBeGreaterThan(1024 * 1024);
    expect(delta.requests).toBe(1);
    expect(delta.bytes).toBe(SAMPLE);
    expect(schema).toMatchObject({ sampledBytes: SAMPLE, inferredFromSample: true, complete: false, header: true });
    expect(typesOf(schema.columns)).toEqual({ id: "integer", value: "decimal", flag: "boolean", label: "string" });
  });

  it("gzip CSV: detected from 1f 8b, decompressed as a stream from one 64 KB GET", async () => {
    const small = await infer("csv/simple.csv.gz");
    expect(small.schema).toMatchObject({ format: "csv", compression: "gzip", header: true });
    expect(small.delta.requests).toBe(1);
    const big = await infer("csv/big.csv.gz");
    expect(big.size).toBeGreaterThan(SAMPLE);
    expect(big.delta.requests).toBe(1);
    expect(big.delta.bytes).toBe(SAMPLE);
    expect(big.schema).toMatchObject({ format: "csv", compression: "gzip", sampledBytes: SAMPLE, complete: false });
    expect(typesOf(big.schema.columns)).toEqual({ id: "integer", value: "decimal", flag: "boolean", label: "string" });
  });

  it("NDJSON: scalar, nested and temporal types", async () => {
    const { schema, delta, size } = await infer("json/events.ndjson");
    expect(delta.requests).toBe(1);
    expect(delta.bytes).toBe(Math.min(size, SAMPLE));
    expect(schema).toMatchObject({ format: "ndjson", sampledRows: 100 });
    expect(typesOf(schema.columns)).toEqual({
      id: "integer",
      user: "string",
      score: "float",
      ok: "boolean",
      at: "timestamp_tz",
      tags: "array",
      meta: "struct",
    });
  });

  it("large NDJSON and gzip NDJSON: one 64 KB GET", async () => {
    const big = await infer("json/big.ndjson");
    expect(big.delta).toMatchObject({ requests: 1, bytes: SAMPLE });
    expect(big.schema).toMatchObject({ format: "ndjson", complete: false });
    const gz = await infer("json/events.ndjson.gz");
    expect(gz.delta.requests).toBe(1);
    expect(gz.schema).toMatchObject({ format: "ndjson", compression: "gzip" });
    expect(typesOf(gz.schema.columns).meta).toBe("struct");
  });

  it("JSON arrays, including one larger than the sample", async () => {
    const small = await infer("json/array.json");
    expect(small.schema).toMatchObject({ format: "json", sampledRows: 30, complete: true });
    const big = await infer("json/big-array.json");
    expect(big.delta).toMatchObject({ requests: 1, bytes: SAMPLE });
    expect(big.schema).toMatchObject({ format: "json", complete: false });
    expect((big.schema.sampledRows as number) > 100).toBe(true);
    expect(typesOf(big.schema.columns).id).toBe("integer");
  });
});

describe("schema errors are invalid_request with a clear message (422), never a 500", () => {
  it.each([
    ["empty.csv", /empty \(0 bytes\)/],
    ["parquet/truncated.parquet", /truncated Parquet file/],
    ["parquet/not-really.parquet", /Parquet name but is not a Parquet file/],
    ["parquet/corrupt-footer.parquet", /footer is corrupt/],
    ["bin/random.bin", /binary file in an unsupported format/],
  ])("%s", async (path, message) => {
    const s = await session();
    const { result: err, delta } = await measured(key, object(path), () => rejection(s.inferFileSchema!({ path })));
    expect(err.code).toBe("invalid_request");
    expect(err.message).toMatch(message);
    expect(delta.requests).toBe(1);
  });

  it("a missing object is not_found (NoSuchKey); a folder without data files is invalid_request", async () => {
    const s = await session();
    expect(await rejection(s.inferFileSchema!({ path: "csv/missing.csv" }))).toMatchObject({ code: "not_found", engineCode: "NoSuchKey" });
    const empty = await rejection(s.inferFileSchema!({ path: "no-such-folder/" }));
    expect(empty.code).toBe("invalid_request");
    expect(empty.message).toMatch(/holds no data files/);
  });
});
