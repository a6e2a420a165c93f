// Fixtures written by other writers than ours (DuckDB, arrow-rs through parquet-wasm, polars), and
// what DuckDB reads back from each Parquet file, cell by cell, as text: the tests compare every value
// the API returns with it. Generated at setup into the fixture store (keyed by this file's hash too).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import pl from "nodejs-polars";
import * as pw from "parquet-wasm/node";

export type Fixture = { key: string; body: Uint8Array | string | (() => Uint8Array) };
export type Expected = Record<string, { columns: Array<{ name: string; type: string }>; rows: Array<Array<string | null>>; rowCount: number }>;

export const FOREIGN = "data/foreign";
export const EXPECTED_ROWS = 60; // rows of each file that DuckDB's reading is kept for

// One row per case: extremes of each type, negative instants, nulls, nested values with the same types.
const TYPES_SQL = `
SELECT * FROM (VALUES
  (1, '-9223372036854775808'::BIGINT, 18446744073709551615::UBIGINT, 4294967295::UINTEGER, '-128'::TINYINT, 255::UTINYINT,
   12345678901234567890.0000000000::DECIMAL(38,10), '-9999999999999999999999999999.9999999999'::DECIMAL(38,10), 12345678901234.5678::DECIMAL(18,4), '-1234567.89'::DECIMAL(9,2),
   1.1::FLOAT, 0.1::DOUBLE, true, 'héllo, "wörld" 🦆', '\\x00\\x01\\xFF'::BLOB,
   DATE '2024-02-29', TIME '01:02:03.456789', TIMESTAMP '2024-01-01 00:00:00.123456', TIMESTAMP_MS '2024-01-01 01:02:03.456', TIMESTAMP_NS '2024-01-01 01:02:03.123456789',
   TIMESTAMPTZ '2024-06-30 23:59:59.999999+00', INTERVAL '1 year 2 months 3 days 04:05:06.789', '0e9d3e5a-1c1b-4f3e-9b6a-9a0c6d1b2f3e'::UUID,
   [12345678901234567890.0000000001::DECIMAL(38,10), NULL], {'d': 0.0000000001::DECIMAL(38,10), 'i': 9007199254740993::BIGINT, 't': TIME '23:59:59.999999', 'ts': TIMESTAMPTZ '1969-12-31 23:59:59.5+00'},
   MAP {'a': 1.5000::DECIMAL(20,4), 'b': NULL}, [[9223372036854775807::BIGINT], [], NULL], '{"big": 9007199254740993, "x": [1.5, "a"]}'::JSON),
  (2, 9223372036854775807::BIGINT, 0::UBIGINT, 0::UINTEGER, 127::TINYINT, 0::UTINYINT,
   0.0000000001::DECIMAL(38,10), 99999999999999999999999999.9999999999::DECIMAL(38,10), '-0.0001'::DECIMAL(18,4), 0.00::DECIMAL(9,2),
   'inf'::FLOAT, 'nan'::DOUBLE, false, '', ''::BLOB,
   DATE '1969-12-31', TIME '00:00:00', TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMP_MS '1900-01-01 00:00:00', TIMESTAMP_NS '1970-01-01 00:00:00.000000001',
   TIMESTAMPTZ '1970-01-01 00:00:00+00', INTERVAL '0 seconds', '00000000-0000-0000-0000-000000000000'::UUID,
   [], {'d': NULL, 'i': -1, 't': TIME '00:00:00', 'ts': NULL}, MAP {}, [], '[]'::JSON),
  (3, 9007199254740993::BIGINT, 9007199254740993::UBIGINT, 1::UINTEGER, 0::TINYINT, 1::UTINYINT,
   '-12345678901234567890.1234567890'::DECIMAL(38,10), 1::DECIMAL(38,10), 1::DECIMAL(18,4), 1::DECIMAL(9,2),
   -3.5::FLOAT, 1e300::DOUBLE, NULL, 'line one\nline two', NULL,
   DATE '0001-01-01', TIME '23:59:59.999999', TIMESTAMP '2262-04-11 23:47:16.854775', TIMESTAMP_MS '2024-01-01 00:00:00', NULL,
   TIMESTAMPTZ '2000-01-01 12:00:00+00', INTERVAL '40 days 00:00:00.001', NULL,
   NULL, NULL, NULL, NULL, NULL),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) AS t(row_id, i64, u64, u32, i8, u8, d38, d38_wide, d18, d9, f32, f64, flag, txt, bin, day, tod, ts, ts_ms, ts_ns, tstz, span, id, l_dec, st, m, ll, doc)`;

// The codecs a Parquet writer can use; the arrow-rs copies are written with each.
export const ARROW_CODECS = ["UNCOMPRESSED", "SNAPPY", "GZIP", "BROTLI", "LZ4", "LZ4_RAW", "ZSTD"] as const;

async function expectedOf(c: DuckDBConnection, file: string): Promise<Expected[string]> {
  const described = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
  const columns = described.map((d) => ({ name: String(d.column_name), type: String(d.column_type) }));
  const exprs = columns.map(({ name, type }) => {
    const q = `"${name.replace(/"/g, '""')}"`;
    if (type === "BLOB") return `to_base64(${q})`;
    if (/[[\]]|^STRUCT|^MAP/.test(type)) return `to_json(${q})::VARCHAR`;
    return `${q}::VARCHAR`;
  });
  const rows = (await c.runAndReadAll(`SELECT ${exprs.join(", ")} FROM read_parquet('${file}') LIMIT ${EXPECTED_ROWS}`)).getRows();
  const count = (await c.runAndReadAll(`SELECT count(*)::INTEGER FROM read_parquet('${file}')`)).getRows()[0]![0] as number;
  return { columns, rows: rows.map((r) => r.map((v) => (v === null ? null : String(v)))), rowCount: count };
}

async function expectedCsv(c: DuckDBConnection, file: string, options = ""): Promise<Expected[string]> {
  const from = `read_csv('${file}'${options ? `, ${options}` : ""})`;
  const described = (await c.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRowObjects();
  const columns = described.map((d) => ({ name: String(d.column_name), type: String(d.column_type) }));
  const rows = (await c.runAndReadAll(`SELECT ${columns.map((col) => `"${col.name}"::VARCHAR`).join(", ")} FROM ${from} LIMIT ${EXPECTED_ROWS}`)).getRows();
  return { columns, rows: rows.map((r) => r.map((v) => (v === null ? null : String(v)))), rowCount: rows.length };
}

// Text files as users have them: encodings, delimiters, quoting, the date formats DuckDB and Excel write.
const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const CP1252: Record<string, number> = { "€": 0x80, "“": 0x93, "”": 0x94, "–": 0x96 };
const cp1252 = (s: string) => Uint8Array.from(s, (ch) => CP1252[ch] ?? ch.charCodeAt(0));
function utf16(s: string, bigEndian: boolean) {
  const out = new Uint8Array(2 + s.length * 2);
  out.set(bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out[2 + 2 * i] = bigEndian ? u >> 8 : u & 0xff;
    out[3 + 2 * i] = bigEndian ? u & 0xff : u >> 8;
  }
  return out;
}
export const TEXT = {
  bigints: [
    '{"id":9007199254740993,"min":-9223372036854775808,"max":18446744073709551615,"d":12345678901234567890.0000000001,"small":42,"f":0.5,"nested":{"ids":[9007199254740993,1]}}',
    '{"id":1,"min":-1,"max":0,"d":0.1,"small":-7,"f":1e-7,"nested":{"ids":[]}}',
  ].join("\n") + "\n",
  latin1: "id;name;city\n1;José;Zürich\n2;Renée;Málaga\n3;Ærøskøbing;Ålborg\n",
  cp1252: "id,price,note\n1,€5,“quoted” – dash\n2,€10,plain\n",
  utf16: "id,name\n1,Zoë\n2,日本\n",
  excel: "id,day,at\n1,1/15/2024,1/15/2024 13:45\n2,12/31/2023,12/31/2023 0:05\n3,2/29/2024,2/29/2024 23:59\n",
  headerOnly: "a,b,c\n",
  pipes: 'id|note|n\n1|"a|b"|1\n2|"line\nbreak"|2\n3|"say ""hi"""|3\n',
  tabs: 'id\tnote\n1\t"tab\tinside"\n2\tplain\n',
};

function arrowRewrite(bytes: Uint8Array, codec: (typeof ARROW_CODECS)[number], opts: { rowGroup?: number; pageBytes?: number; dictionary?: boolean } = {}) {
  const table = pw.readParquet(bytes);
  let b = new pw.WriterPropertiesBuilder().setCompression(pw.Compression[codec]);
  if (opts.rowGroup) b = b.setMaxRowGroupSize(opts.rowGroup);
  if (opts.pageBytes) b = b.setDataPageSizeLimit(opts.pageBytes);
  if (opts.dictionary === false) b = b.setDictionaryEnabled(false);
  return pw.writeParquet(table, b.build());
}

// Every foreign fixture and DuckDB's reading of each Parquet one.
export async function foreignFixtures(): Promise<{ files: Fixture[]; expected: Expected }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "foreign-fixtures-"));
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const c = await db.connect();
  const files: Fixture[] = [];
  const expected: Expected = {};
  const local = (name: string) => path.join(dir, name.replace(/\//g, "_"));
  // sameAs: DuckDB cannot read the file (LZ4 with Hadoop framing): take its reading of the same
  // table written by the same writer with another codec
  const addParquet = async (key: string, bytes: Uint8Array, sameAs?: string) => {
    const file = local(key);
    writeFileSync(file, bytes);
    files.push({ key: `${FOREIGN}/${key}`, body: bytes });
    expected[key] = sameAs ? expected[sameAs]! : await expectedOf(c, file);
  };
  // (s3rver leaves a folder that holds only folders out of a delimited listing: one object here)
  files.push({ key: `${FOREIGN}/WRITERS.txt`, body: "Files written by DuckDB, arrow-rs (parquet-wasm) and polars at test setup.\n" });
  try {
    await c.run("SET TimeZone = 'UTC'");
    const duck = async (key: string, sql: string, options: string) => {
      const file = local(key);
      await c.run(`COPY (${sql}) TO '${file}' (FORMAT parquet, ${options})`);
      await addParquet(key, new Uint8Array(readFileSync(file)));
    };
    // DuckDB: every type, with its default codec and with BROTLI, LZ4_RAW, ZSTD
    await duck("duckdb/types.parquet", TYPES_SQL, "COMPRESSION snappy");
    for (const codec of ["brotli", "lz4_raw", "zstd", "gzip"]) await duck(`duckdb/types-${codec}.parquet`, TYPES_SQL, `COMPRESSION ${codec}`);
    // 2,000 rows in row groups of 10 (DuckDB's smallest row group is a vector: arrow-rs cuts them)
    const groupsSql = `SELECT i::BIGINT AS id, (i * 1.25)::DECIMAL(12,2) AS amount, 'row ' || i AS label FROM range(2000) r(i)`;
    await duck("duckdb/groups-source.parquet", groupsSql, "COMPRESSION uncompressed");
    const source = new Uint8Array(readFileSync(local("duckdb/groups-source.parquet")));
    await addParquet("arrow-rs/groups-of-10.parquet", arrowRewrite(source, "SNAPPY", { rowGroup: 10 }));

    // a type we do not decode (VARIANT) next to one we do: not in the parity check
    const variantFile = local("variant.parquet");
    await c.run(`COPY (SELECT i::BIGINT AS id, {'a': i}::VARIANT AS v FROM range(3) r(i)) TO '${variantFile}' (FORMAT parquet)`);
    files.push({ key: `${FOREIGN}/duckdb/variant.parquet`, body: new Uint8Array(readFileSync(variantFile)) });

    // arrow-rs (parquet-wasm): DuckDB's types file re-written with each codec
    const types = new Uint8Array(readFileSync(local("duckdb/types.parquet")));
    for (const codec of ARROW_CODECS) {
      const key = `arrow-rs/types-${codec.toLowerCase()}.parquet`;
      await addParquet(key, arrowRewrite(types, codec), codec === "LZ4" ? "arrow-rs/types-uncompressed.parquet" : undefined);
    }

    // ~40 MB, one row group; arrow-rs closes a page at 20,000 rows, so 1.4 KB strings give a first
    // page of ~28 MB in "payload" (the case a preview cannot hold) while "id" pages stay small
    const bigSql = `SELECT i::BIGINT AS id, repeat(md5(i::VARCHAR), 44) AS payload FROM range(30000) r(i)`;
    const bigFile = local("big-source.parquet");
    await c.run(`COPY (${bigSql}) TO '${bigFile}' (FORMAT parquet, COMPRESSION uncompressed)`);
    const big = arrowRewrite(new Uint8Array(readFileSync(bigFile)), "UNCOMPRESSED", { rowGroup: 1_000_000, pageBytes: 64 * 1024 * 1024, dictionary: false });
    files.push({ key: `${FOREIGN}/arrow-rs/big-page.parquet`, body: big });

    // text
    const text = async (key: string, body: Uint8Array | string, csvOptions?: string) => {
      files.push({ key: `${FOREIGN}/${key}`, body });
      if (csvOptions === undefined) return;
      const file = local(key);
      writeFileSync(file, body);
      expected[key] = await expectedCsv(c, file, csvOptions);
    };
    await text("text/bigints.ndjson", TEXT.bigints);
    await text("text/latin1.csv", latin1(TEXT.latin1), "encoding = 'latin-1'");
    await text("text/cp1252.csv", cp1252(TEXT.cp1252));
    await text("text/utf16le.csv", utf16(TEXT.utf16, false));
    await text("text/utf16be.csv", utf16(TEXT.utf16, true));
    await text("text/excel-dates.csv", TEXT.excel, "");
    await text("text/header-only.csv", TEXT.headerOnly);
    await text("text/quoted.psv", TEXT.pipes, "delim = '|'");
    await text("text/quoted.tsv", TEXT.tabs, "delim = '\t'");
    // DuckDB's own CSV: timestamps with offsets, times, dates, plain timestamps
    const timesFile = local("duckdb-times.csv");
    await c.run(
      `COPY (SELECT i AS id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '90 minutes 0.5 seconds' AS at, TIME '01:02:03' + i * INTERVAL '1 second' AS tod, ` +
        `DATE '2024-01-01' + i::INTEGER AS day, TIMESTAMP '2024-01-01 12:00:00' + i * INTERVAL '1 microsecond' AS local_ts FROM range(5) r(i)) TO '${timesFile}' (HEADER)`,
    );
    await text("duckdb/times.csv", new Uint8Array(readFileSync(timesFile)), "");

    // datasets: a Hive-partitioned folder (DuckDB's PARTITION_BY), and files whose schemas differ
    const hive = local("hive");
    await c.run(
      `COPY (SELECT i::BIGINT AS id, (i * 0.5)::DECIMAL(10,2) AS amount, 2023 + i % 2 AS year, 1 + i % 3 AS month FROM range(60) r(i)) ` +
        `TO '${hive}' (FORMAT parquet, PARTITION_BY (year, month))`,
    );
    for (const rel of (readdirSync(hive, { recursive: true }) as string[]).filter((r) => r.endsWith(".parquet")).sort()) {
      files.push({ key: `${FOREIGN}/dataset/sales/${rel}`, body: new Uint8Array(readFileSync(path.join(hive, rel))) });
    }
    files.push({ key: `${FOREIGN}/dataset/sales/_SUCCESS`, body: "ok\n" });
    const hiveSql = `SELECT * EXCLUDE (filename, file_row_number) FROM read_parquet('${hive}/**/*.parquet', hive_partitioning = true, filename = true, file_row_number = true)`;
    const hiveColumns = (await c.runAndReadAll(`DESCRIBE ${hiveSql}`)).getRowObjects().map((d) => ({ name: String(d.column_name), type: String(d.column_type) }));
    const ordered = (await c.runAndReadAll(`${hiveSql} ORDER BY filename, file_row_number`)).getRows();
    expected["dataset/sales/"] = { columns: hiveColumns, rows: ordered.map((r) => r.map((v) => (v === null ? null : String(v)))), rowCount: ordered.length };
    for (const [name, sql] of [
      ["a.parquet", "SELECT 1::BIGINT AS id, 10::BIGINT AS amount"],
      ["b.parquet", "SELECT 2::BIGINT AS id, 2.5::DOUBLE AS amount, 'x' AS extra"],
    ] as const) {
      const file = local(`mixed-${name}`);
      await c.run(`COPY (${sql}) TO '${file}' (FORMAT parquet)`);
      files.push({ key: `${FOREIGN}/dataset/mixed/${name}`, body: new Uint8Array(readFileSync(file)) });
    }

    // polars: BROTLI and LZ4 (its LZ4 is LZ4_RAW)
    const df = pl.DataFrame({
      id: pl.Series("id", [1, 2, 3, 4], pl.Int64),
      name: ["alpha", "béta", null, "delta 🦆"],
      score: [0.5, -1.25, null, 1e-7],
      tags: pl.Series("tags", [["a"], ["b", "c"], [], null]),
    });
    for (const codec of ["brotli", "lz4", "zstd"] as const) {
      const file = local(`polars-${codec}.parquet`);
      df.writeParquet(file, { compression: codec });
      await addParquet(`polars/${codec}.parquet`, new Uint8Array(readFileSync(file)));
    }
  } finally {
    c.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
  return { files, expected };
}
