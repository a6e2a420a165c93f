import { isLosslessNumber, parse as parseLossless } from "lossless-json";
import { describe, expect, it } from "vitest";
import type { RowSet } from "../../src/connectors/types";
import { measured, mintKey, object, open, rejection, servers, type Key } from "./helpers";

// Files written by DuckDB, arrow-rs (parquet-wasm) and polars (test/servers/s3-foreign.ts): every
// value the API returns is compared with what DuckDB reads back from the same file, cell by cell.

type Expected = Record<string, { columns: Array<{ name: string; type: string }>; rows: Array<Array<string | null>>; rowCount: number }>;
const expected: Expected = await (await fetch(`${servers.s3StatsUrl}/foreign-expected`)).json();

let key: Key;
const session = async () => {
  key ??= await mintKey();
  return open(key, { previewRows: 1000 });
};
const path = (k: string) => `foreign/${k}`;
async function preview(k: string, limit: number, columns?: string[]) {
  const s = await session();
  const { result, delta } = await measured(key, object(path(k)), () => s.preview!({ schema: "", table: path(k), limit, columns }));
  return { rows: result as RowSet, delta };
}
const cell = (r: RowSet, row: number, name: string) => r.rows[row]![r.columns.findIndex((c) => c.name === name)];

// ---- our value in DuckDB's text ----------------------------------------------------------------

// An ISO-8601 duration (ours) in DuckDB's interval text: "1 year 2 months 3 days 04:05:06.789".
function durationAsDuck(iso: string): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(iso);
  if (!m) return `not a duration: ${iso}`;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => x ?? "0");
  const parts: string[] = [];
  const unit = (n: string, word: string) => Number(n) && parts.push(`${Number(n)} ${word}${Number(n) === 1 ? "" : "s"}`);
  unit(y!, "year");
  unit(mo!, "month");
  unit(d!, "day");
  const [whole, frac] = s!.split(".");
  const clock = `${h!.padStart(2, "0")}:${mi!.padStart(2, "0")}:${whole!.padStart(2, "0")}${frac ? `.${frac}` : ""}`;
  if (clock !== "00:00:00" || parts.length === 0) parts.push(clock);
  return parts.join(" ");
}
// ISO timestamps (ours) in DuckDB's text: a space for T, +00 for Z (the session runs in UTC)
const instantAsDuck = (s: string) => s.replace(/^([+-]?\d{4,}-\d\d-\d\d)T/, "$1 ").replace(/Z$/, "+00");

function floatAgrees(ours: unknown, duck: string, single: boolean) {
  const special: Record<string, string> = { nan: "NaN", inf: "Infinity", "-inf": "-Infinity" };
  if (duck in special) return ours === special[duck];
  const f = single ? Math.fround : (x: number) => x;
  return typeof ours === "number" && f(ours) === f(Number(duck));
}

// Nested values: DuckDB's to_json (numbers kept as their text) against ours.
function deepAgrees(ours: unknown, duck: unknown): boolean {
  if (duck === null) return ours === null;
  if (isLosslessNumber(duck)) return typeof ours === "number" ? ours === Number(duck.value) : ours === duck.value;
  if (typeof duck === "string") return typeof ours === "string" && (ours === duck || instantAsDuck(ours) === duck);
  if (Array.isArray(duck)) return Array.isArray(ours) && ours.length === duck.length && duck.every((d, i) => deepAgrees(ours[i], d));
  if (typeof duck === "object") {
    if (ours === null || typeof ours !== "object") return false;
    const o = ours as Record<string, unknown>;
    const d = duck as Record<string, unknown>;
    return Object.keys(o).length === Object.keys(d).length && Object.keys(d).every((k) => deepAgrees(o[k], d[k]));
  }
  return ours === duck;
}

function agrees(ours: unknown, duck: string | null, duckType: string): boolean {
  if (duck === null) return ours === null;
  if (duckType === "FLOAT" || duckType === "DOUBLE") return floatAgrees(ours, duck, duckType === "FLOAT");
  if (duckType === "INTERVAL") return typeof ours === "string" && durationAsDuck(ours) === duck;
  if (/[[\]]|^STRUCT|^MAP|^JSON$/.test(duckType)) return deepAgrees(ours, parseLossless(duck));
  if (typeof ours === "string") return ours === duck || instantAsDuck(ours) === duck;
  return String(ours) === duck;
}

// DuckDB's types as the API's portable types (the README's table, read the other way).
function portable(duckType: string): string {
  if (/\[\]$/.test(duckType)) return "array";
  if (duckType.startsWith("STRUCT")) return "struct";
  if (duckType.startsWith("MAP")) return "map";
  if (duckType.startsWith("DECIMAL")) return "decimal";
  const table: Record<string, string> = {
    TINYINT: "integer", SMALLINT: "integer", INTEGER: "integer", BIGINT: "integer",
    UTINYINT: "integer", USMALLINT: "integer", UINTEGER: "integer", UBIGINT: "integer",
    FLOAT: "float", DOUBLE: "float", BOOLEAN: "boolean", VARCHAR: "string", UUID: "string", BLOB: "binary",
    DATE: "date", TIME: "time", TIMESTAMP: "timestamp", TIMESTAMP_NS: "timestamp", TIMESTAMP_MS: "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp_tz", INTERVAL: "other", JSON: "json",
  };
  return table[duckType] ?? `unmapped ${duckType}`;
}

const parquetKeys = Object.keys(expected).filter((k) => k.endsWith(".parquet"));

describe("Parquet files of other writers agree with DuckDB's reading, cell by cell", () => {
  it("there are fixtures of three writers and every codec", () => {
    expect(parquetKeys.some((k) => k.startsWith("duckdb/"))).toBe(true);
    expect(parquetKeys.some((k) => k.startsWith("arrow-rs/"))).toBe(true);
    expect(parquetKeys.some((k) => k.startsWith("polars/"))).toBe(true);
    for (const codec of ["uncompressed", "snappy", "gzip", "brotli", "lz4", "lz4_raw", "zstd"]) expect(parquetKeys).toContain(`arrow-rs/types-${codec}.parquet`);
  });

  it.each(parquetKeys)("%s", async (k) => {
    const want = expected[k]!;
    const limit = Math.min(want.rows.length, 1000);
    const { rows } = await preview(k, limit);
    expect(rows.columns.map((c) => c.name)).toEqual(want.columns.map((c) => c.name));
    expect(rows.columns.filter((c) => c.unsupported)).toEqual([]);
    expect(rows.rowCount).toBe(limit);
    const mismatches: string[] = [];
    want.rows.slice(0, limit).forEach((duckRow, i) => {
      want.columns.forEach((col, j) => {
        const ours = rows.rows[i]![j];
        if (!agrees(ours, duckRow[j]!, col.type)) mismatches.push(`row ${i} ${col.name} (${col.type}): ours ${JSON.stringify(ours)}, DuckDB ${duckRow[j]}`);
      });
    });
    expect(mismatches).toEqual([]);
    JSON.stringify(rows.rows);

    const s = await session();
    const schema = await s.inferFileSchema!({ path: path(k) });
    expect(schema.columns.map((c) => [c.name, c.type])).toEqual(want.columns.map((c) => [c.name, portable(c.type)]));
    expect(schema.rowCount).toBe(want.rowCount);
  });
});

describe("the cases of issue 11, each failing before", () => {
  it("DECIMAL(38,10) is exact, top level and nested (as strings both)", async () => {
    const { rows } = await preview("duckdb/types.parquet", 4);
    expect(cell(rows, 0, "d38")).toBe("12345678901234567890.0000000000");
    expect(cell(rows, 0, "d38_wide")).toBe("-9999999999999999999999999999.9999999999");
    expect(cell(rows, 0, "l_dec")).toEqual(["12345678901234567890.0000000001", null]);
    expect(cell(rows, 0, "st")).toEqual({ d: "0.0000000001", i: "9007199254740993", t: "23:59:59.999999", ts: "1969-12-31T23:59:59.5Z" });
    expect(cell(rows, 0, "m")).toEqual({ a: "1.5000", b: null });
    expect(cell(rows, 0, "ll")).toEqual([["9223372036854775807"], [], null]);
    expect(cell(rows, 0, "doc")).toEqual({ big: "9007199254740993", x: [1.5, "a"] }); // a JSON column: parsed, numbers exact
  });

  it("TIME as ISO times, INTERVAL as ISO durations, timestamps of every unit, UUID", async () => {
    const { rows } = await preview("duckdb/types.parquet", 4);
    expect(cell(rows, 0, "tod")).toBe("01:02:03.456789");
    expect(cell(rows, 0, "span")).toBe("P1Y2M3DT4H5M6.789S");
    expect(cell(rows, 1, "span")).toBe("PT0S");
    expect(cell(rows, 0, "ts")).toBe("2024-01-01T00:00:00.123456"); // no zone: not adjusted to UTC
    expect(cell(rows, 0, "ts_ns")).toBe("2024-01-01T01:02:03.123456789");
    expect(cell(rows, 0, "tstz")).toBe("2024-06-30T23:59:59.999999Z");
    expect(cell(rows, 1, "ts")).toBe("1969-12-31T23:59:59.999999");
    expect(cell(rows, 0, "id")).toBe("0e9d3e5a-1c1b-4f3e-9b6a-9a0c6d1b2f3e");
    expect(cell(rows, 0, "u64")).toBe("18446744073709551615");
    expect(cell(rows, 0, "i64")).toBe("-9223372036854775808");
  });

  it("preview reads on across row groups: 25 rows of a 2,000-row file in row groups of 10", async () => {
    const { rows, delta } = await preview("arrow-rs/groups-of-10.parquet", 25);
    const footer = await (await session()).inferFileSchema!({ path: path("arrow-rs/groups-of-10.parquet") });
    expect(rows.rowCount).toBe(25);
    expect(rows.truncated).toBe(true);
    expect(rows.rows.map((r) => r[0])).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(cell(rows, 24, "amount")).toBe("30.00");
    console.log(`[s3] preview groups-of-10 (200 row groups), 25 rows: ${delta.requests} request(s), ${delta.bytes} bytes`);
    expect(footer.rowGroups).toBe(200);
    // the footer (of 200 row groups: more than the first 64 KB read), then the three small row groups in one ranged GET
    expect(delta.requests).toBe((footer.requests as number) + 1);
    expect(rows.requests).toBe(delta.requests);
    expect(rows.bytesRead).toBe(delta.bytes);
  });

  it("BROTLI from arrow-rs and from polars previews", async () => {
    const a = await preview("arrow-rs/types-brotli.parquet", 4);
    expect(cell(a.rows, 0, "d38")).toBe("12345678901234567890.0000000000");
    const p = await preview("polars/brotli.parquet", 4);
    expect(p.rows.rows).toEqual([
      ["1", "alpha", 0.5, ["a"]],
      ["2", "béta", -1.25, ["b", "c"]],
      ["3", null, null, []],
      ["4", "delta 🦆", 1e-7, null],
    ]);
  });

  it("a 40 MB single-row-group file whose first page (28 MB) exceeds the budget: a clear 422, and columns= reads the rest", async () => {
    const s = await session();
    const before = await measured(key, object(path("arrow-rs/big-page.parquet")), () => rejection(s.preview!({ schema: "", table: path("arrow-rs/big-page.parquet"), limit: 100 })));
    expect(before.result.code).toBe("invalid_request");
    expect(before.result.message).toMatch(/Column "payload" has a page of 2\d\.\d MB \(\d+ bytes compressed/);
    expect(before.result.message).toMatch(/columns=/);
    console.log(`[s3] preview big-page.parquet, 100 rows, all columns: 422 after ${before.delta.requests} request(s), ${before.delta.bytes} bytes`);
    const { rows, delta } = await preview("arrow-rs/big-page.parquet", 100, ["id"]);
    console.log(`[s3] preview big-page.parquet, 100 rows, columns=id: ${delta.requests} request(s), ${delta.bytes} bytes`);
    expect(rows.columns.map((c) => c.name)).toEqual(["id"]);
    expect(rows.rows.map((r) => r[0])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    expect(delta.bytes).toBeLessThan(2 * 1024 * 1024); // the id pages, not the 40 MB
  });

  it("columns=a,b returns those columns; a file smaller than the footer read costs that one GET either way", async () => {
    const all = await preview("arrow-rs/types-uncompressed.parquet", 4);
    const { rows, delta } = await preview("arrow-rs/types-uncompressed.parquet", 4, ["tod", "d38"]);
    expect(rows.columns.map((c) => c.name)).toEqual(["tod", "d38"]);
    expect(rows.rows[0]).toEqual(["01:02:03.456789", "12345678901234567890.0000000000"]);
    // the 10 KB file arrives whole with the 64 KB suffix read (that only some chunks are fetched is
    // shown on a large file in preview.test.ts and in memory in parquet-rows.test.ts)
    expect(all.delta.log.map((l) => l.range)).toEqual(["bytes=-65536"]);
    expect(delta.log.map((l) => l.range)).toEqual(["bytes=-65536"]);
    const bad = await rejection((await session()).preview!({ schema: "", table: path("duckdb/types.parquet"), limit: 4, columns: ["nope"] }));
    expect(bad.code).toBe("invalid_request");
    expect(bad.message).toMatch(/Unknown column\(s\) "nope"/);
  });

  it("a column of a type we do not decode (VARIANT) is null and marked, the others are read", async () => {
    const { rows } = await preview("duckdb/variant.parquet", 10);
    expect(rows.columns.map((c) => c.name)).toEqual(["id", "v"]);
    expect(rows.columns[1]!.unsupported).toMatch(/VARIANT/);
    expect(rows.columns[0]!.unsupported).toBeUndefined();
    expect(rows.rows).toEqual([["0", null], ["1", null], ["2", null]]);
  });

  it("NDJSON integers beyond 2^53 stay exact", async () => {
    const { rows } = await preview("text/bigints.ndjson", 10);
    expect(cell(rows, 0, "id")).toBe("9007199254740993");
    expect(cell(rows, 0, "min")).toBe("-9223372036854775808");
    expect(cell(rows, 0, "max")).toBe("18446744073709551615");
    expect(cell(rows, 0, "d")).toBe("12345678901234567890.0000000001");
    expect(cell(rows, 0, "small")).toBe(42);
    expect(cell(rows, 0, "nested")).toEqual({ ids: ["9007199254740993", 1] });
    expect(rows.columns.find((c) => c.name === "id")!.type).toBe("integer");
    // 0.1 in the next row makes the column float; the value a double cannot hold stays exact text
    expect(rows.columns.find((c) => c.name === "d")!.type).toBe("float");
    expect(cell(rows, 1, "d")).toBe(0.1);
  });
});

const csvKeys = Object.keys(expected).filter((k) => /\.(csv|psv|tsv)$/.test(k));
// Excel's "1/15/2024 13:45" stays text for DuckDB; we read it as a timestamp (tested below)
const notCompared = new Set(["text/excel-dates.csv at"]);

describe("text files as users have them agree with DuckDB's reading", () => {
  it.each(csvKeys)("%s", async (k) => {
    const want = expected[k]!;
    const { rows } = await preview(k, 100);
    expect(rows.columns.map((c) => c.name)).toEqual(want.columns.map((c) => c.name));
    expect(rows.rowCount).toBe(want.rows.length);
    const mismatches: string[] = [];
    want.rows.forEach((duckRow, i) =>
      want.columns.forEach((col, j) => {
        if (notCompared.has(`${k} ${col.name}`)) return;
        const ours = rows.rows[i]![j];
        if (!agrees(ours, duckRow[j]!, col.type)) mismatches.push(`row ${i} ${col.name} (${col.type}): ours ${JSON.stringify(ours)}, DuckDB ${duckRow[j]}`);
      }),
    );
    expect(mismatches).toEqual([]);
    const schema = await (await session()).inferFileSchema!({ path: path(k) });
    const types = want.columns.filter((c) => !notCompared.has(`${k} ${c.name}`)).map((c) => [c.name, portable(c.type)]);
    expect(schema.columns.filter((c) => !notCompared.has(`${k} ${c.name}`)).map((c) => [c.name, c.type])).toEqual(types);
  });

  it("a Latin-1 CSV is read as Windows-1252 (Latin-1's superset), said in the schema", async () => {
    const schema = await (await session()).inferFileSchema!({ path: path("text/latin1.csv") });
    expect(schema).toMatchObject({ format: "csv", delimiter: ";", encoding: "windows-1252", bom: false });
    const { rows } = await preview("text/latin1.csv", 10);
    expect(rows.rows).toEqual([
      [1, "José", "Zürich"],
      [2, "Renée", "Málaga"],
      [3, "Ærøskøbing", "Ålborg"],
    ]);
    const cp = await preview("text/cp1252.csv", 10);
    expect(cp.rows.rows).toEqual([
      [1, "€5", "“quoted” – dash"],
      [2, "€10", "plain"],
    ]);
  });

  it.each([
    ["text/utf16le.csv", "utf-16le"],
    ["text/utf16be.csv", "utf-16be"],
  ])("%s: UTF-16 with a BOM", async (k, encoding) => {
    const schema = await (await session()).inferFileSchema!({ path: path(k) });
    expect(schema).toMatchObject({ format: "csv", encoding, bom: true, header: true });
    const { rows } = await preview(k, 10);
    expect(rows.columns.map((c) => c.name)).toEqual(["id", "name"]);
    expect(rows.rows).toEqual([
      [1, "Zoë"],
      [2, "日本"],
    ]);
  });

  it("a header-only CSV has columns and no rows", async () => {
    const schema = await (await session()).inferFileSchema!({ path: path("text/header-only.csv") });
    expect(schema.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ["a", "string", true],
      ["b", "string", true],
      ["c", "string", true],
    ]);
    const { rows } = await preview("text/header-only.csv", 10);
    expect(rows.columns.map((c) => c.name)).toEqual(["a", "b", "c"]);
    expect(rows.rows).toEqual([]);
    expect(rows.truncated).toBe(false);
  });

  it("CSV timestamps with offsets, times, and Excel's dates are typed, values ISO", async () => {
    const times = await preview("duckdb/times.csv", 10);
    expect(times.rows.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "integer"],
      ["at", "timestamp_tz"],
      ["tod", "time"],
      ["day", "date"],
      ["local_ts", "timestamp"],
    ]);
    expect(times.rows.rows[1]).toEqual([1, "2024-01-01 01:30:00.5+00", "01:02:04", "2024-01-02", "2024-01-01 12:00:00.000001"]);
    const excel = await preview("text/excel-dates.csv", 10);
    expect(excel.rows.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "integer"],
      ["day", "date"],
      ["at", "timestamp"],
    ]);
    expect(excel.rows.rows).toEqual([
      [1, "2024-01-15", "2024-01-15T13:45:00"],
      [2, "2023-12-31", "2023-12-31T00:05:00"],
      [3, "2024-02-29", "2024-02-29T23:59:00"],
    ]);
  });
});

describe("a folder is a dataset", () => {
  it("Hive partitions (DuckDB's PARTITION_BY) become typed columns; the preview agrees with DuckDB's reading of the folder", async () => {
    const want = expected["dataset/sales/"]!;
    const s = await session();
    const schema = await s.inferFileSchema!({ path: path("dataset/sales/") });
    expect(schema).toMatchObject({ format: "dataset", fileFormat: "parquet", partitions: ["year", "month"], conflicts: [] });
    expect(schema.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "integer"],
      ["amount", "decimal"],
      ["year", "integer"],
      ["month", "integer"],
    ]);
    const files = schema.files as { listed: number; sampled: number; skipped: number };
    expect(files).toMatchObject({ listed: 6, sampled: 6, skipped: 1 }); // _SUCCESS is skipped
    expect(schema.rowCount).toBe(60);
    console.log(`[s3] schema dataset/sales/ (6 files): ${schema.requests} request(s), ${schema.sampledBytes} bytes`);
    expect(schema.requests).toBe(1 + 6); // the listing, then one footer read per file

    const { rows } = await preview("dataset/sales/", 25);
    console.log(`[s3] preview dataset/sales/, 25 rows: ${rows.requests} request(s), ${rows.bytesRead} bytes`);
    expect(rows.columns.map((c) => c.name)).toEqual(["id", "amount", "year", "month"]);
    expect(rows.rowCount).toBe(25);
    expect(rows.truncated).toBe(true);
    const mismatches: string[] = [];
    want.rows.slice(0, 25).forEach((duckRow, i) =>
      want.columns.forEach((col, j) => {
        const ours = cell(rows, i, col.name); // by name: DuckDB orders the partition columns its own way
        if (!agrees(ours, duckRow[j]!, col.type)) mismatches.push(`row ${i} ${col.name}: ours ${JSON.stringify(ours)}, DuckDB ${duckRow[j]}`);
      }),
    );
    expect(mismatches).toEqual([]);
    // 10 rows per file: three files are read, not six (the listing, then one GET per file: each small
    // file arrives whole with its footer read)
    expect(rows.requests).toBe(1 + 3);

    const projected = await preview("dataset/sales/", 5, ["month", "id"]);
    expect(projected.rows.columns.map((c) => c.name)).toEqual(["month", "id"]);
    const idAt = want.columns.findIndex((c) => c.name === "id");
    expect(projected.rows.rows.map((r) => r[1])).toEqual(want.rows.slice(0, 5).map((r) => r[idAt]));
  });

  it("files whose schemas differ: the union, with the conflicts reported", async () => {
    const s = await session();
    const schema = await s.inferFileSchema!({ path: path("dataset/mixed/") });
    expect(schema.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ["id", "integer", true],
      ["amount", "float", true],
      ["extra", "string", true],
    ]);
    expect(schema.conflicts).toEqual([
      {
        column: "amount",
        types: [
          { path: path("dataset/mixed/a.parquet"), type: "integer", nativeType: "INT64 INT_64" },
          { path: path("dataset/mixed/b.parquet"), type: "float", nativeType: "DOUBLE" },
        ],
      },
    ]);
    const { rows } = await preview("dataset/mixed/", 10);
    expect(rows.rows).toEqual([
      ["1", "10", null],
      ["2", 2.5, "x"],
    ]);
    expect(rows.truncated).toBe(false);
  });
});
