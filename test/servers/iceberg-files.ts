import { DuckDBInstance } from "@duckdb/node-api";
import { AwsClient } from "aws4fetch";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type * as avroModule from "avsc";
import { parquetWriteBuffer } from "hyparquet-writer";
import { tableMetadata, type SchemaDoc } from "./iceberg-seed";

// Real Iceberg table files for previews, written at setup with libraries we did not write and put
// in the S3 test server: Parquet data files (hyparquet-writer), manifests and the manifest list as
// Avro object container files with the deflate codec (avsc), in the shapes of the Iceberg table spec
// (manifest_file and manifest_entry with their field ids). Tables:
//   sales.payments  two data files (3 + 2 rows)
//   sales.refunds   two data files (sequence numbers 1 and 2); a position-delete file (sequence 1)
//                   naming row 0 of each, and an equality-delete file on payment_id (sequence 2) naming
//                   11 and 12: each deletes only from the older data file (positions: sequence at most
//                   the delete's; equality: strictly less)
//   sales.purged    six rows, of which an equality delete removes the first four
//   sales.renamed   schema evolution, data files written by DuckDB with Iceberg field ids: "method"
//                   renamed to "payment_method", "cents" dropped, "note" added after the first file
//   sales.migrated  a Hive table brought in without rewriting: a data file without field ids (hyparquet-
//                   writer), read through schema.name-mapping.default; partitioned by identity(region),
//                   whose value is only in the file's partition tuple; a column added with an
//                   initial-default (not applied: said so)

// avsc is CommonJS; loaded with require so that Vite and Node's ESM loader see the same exports.
const avro = createRequire(import.meta.url)("avsc") as typeof avroModule;

const PAYMENTS: SchemaDoc = {
  type: "struct",
  "schema-id": 0,
  "identifier-field-ids": [1],
  fields: [
    { id: 1, name: "payment_id", required: true, type: "long" },
    { id: 2, name: "method", required: false, type: "string" },
    { id: 3, name: "cents", required: false, type: "int" },
  ],
};

// sales.renamed: schema 0 as the first file was written, schema 1 (current) after the changes.
const RENAMED_V0: SchemaDoc = { ...PAYMENTS, "schema-id": 0 };
const RENAMED_V1: SchemaDoc = {
  type: "struct",
  "schema-id": 1,
  "identifier-field-ids": [1],
  fields: [
    { id: 1, name: "payment_id", required: true, type: "long" },
    { id: 4, name: "note", required: false, type: "string" },
    { id: 2, name: "payment_method", required: false, type: "string" },
  ],
};

const MIGRATED: SchemaDoc = {
  type: "struct",
  "schema-id": 0,
  fields: [
    { id: 1, name: "id", required: true, type: "long" },
    { id: 2, name: "payment_method", required: false, type: "string" },
    { id: 5, name: "region", required: false, type: "string" },
    // (initial-default is a format v3 field; a boolean, since the spec's PrimitiveTypeValue cannot tell its string kinds apart)
    { id: 6, name: "refunded", required: false, type: "boolean", "initial-default": false } as never,
  ],
};
const MIGRATED_NAME_MAPPING = JSON.stringify([
  { "field-id": 1, names: ["id"] },
  { "field-id": 2, names: ["method", "payment_method"] },
  { "field-id": 5, names: ["region"] },
]);

const opt = (type: unknown, id: number, name: string) => ({ name, type: ["null", type], default: null, "field-id": id });
const MANIFEST_FILE = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", "field-id": 500 },
    { name: "manifest_length", type: "long", "field-id": 501 },
    { name: "partition_spec_id", type: "int", "field-id": 502 },
    { name: "content", type: "int", "field-id": 517 },
    { name: "sequence_number", type: "long", "field-id": 515 },
    { name: "min_sequence_number", type: "long", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", "field-id": 503 },
    { name: "added_files_count", type: "int", "field-id": 504 },
    { name: "existing_files_count", type: "int", "field-id": 505 },
    { name: "deleted_files_count", type: "int", "field-id": 506 },
    { name: "added_rows_count", type: "long", "field-id": 512 },
    { name: "existing_rows_count", type: "long", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", "field-id": 514 },
  ],
};
// The manifest entry schema; its partition record has one field per partition field of the spec.
const manifestEntry = (partitionFields: object[] = []) => ({
  type: "record",
  name: "manifest_entry",
  fields: [
    { name: "status", type: "int", "field-id": 0 },
    opt("long", 1, "snapshot_id"),
    opt("long", 3, "sequence_number"),
    opt("long", 4, "file_sequence_number"),
    {
      name: "data_file",
      "field-id": 2,
      type: {
        type: "record",
        name: "r2",
        fields: [
          { name: "content", type: "int", "field-id": 134 },
          { name: "file_path", type: "string", "field-id": 100 },
          { name: "file_format", type: "string", "field-id": 101 },
          { name: "partition", type: { type: "record", name: "r102", fields: partitionFields }, "field-id": 102 },
          { name: "record_count", type: "long", "field-id": 103 },
          { name: "file_size_in_bytes", type: "long", "field-id": 104 },
          opt({ type: "array", items: "long", "element-id": 133 }, 132, "split_offsets"),
          opt({ type: "array", items: "int", "element-id": 136 }, 135, "equality_ids"),
        ],
      },
    },
  ],
});

function avroFile(schema: object, records: unknown[], meta: Record<string, string>): Promise<Buffer> {
  const type = avro.Type.forSchema(schema as avroModule.Schema);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const enc = new avro.streams.BlockEncoder(type, { codec: "deflate", metadata: Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, Buffer.from(v)])) } as never);
    enc.on("data", (c: Buffer) => chunks.push(c));
    enc.on("end", () => resolve(Buffer.concat(chunks)));
    enc.on("error", reject);
    for (const r of records) enc.write(r);
    enc.end();
  });
}

export type WrittenTable = { namespace: string[]; name: string; metadata: Record<string, unknown>; metadataLocation: string };

export async function writeIcebergFiles(shared: Record<string, string>, root: string): Promise<WrittenTable[]> {
  if (!shared.s3Endpoint) return [];
  const bucket = shared.s3Bucket!;
  const aws = new AwsClient({ accessKeyId: shared.s3AccessKeyId!, secretAccessKey: shared.s3SecretAccessKey!, service: "s3", region: shared.s3Region ?? "us-east-1" });
  const put = async (url: string, body: Uint8Array | string) => {
    const key = url.replace(`s3://${bucket}/`, "");
    const res = await aws.fetch(`${shared.s3Endpoint}/${bucket}/${key}`, { method: "PUT", body });
    if (!res.ok) throw new Error(`iceberg: could not write ${key}: ${res.status}`);
    return typeof body === "string" ? body.length : body.byteLength;
  };
  const parquet = (rows: Array<[bigint, string | null, number]>) =>
    new Uint8Array(
      parquetWriteBuffer({
        codec: "UNCOMPRESSED",
        columnData: [
          { name: "payment_id", data: rows.map((r) => r[0]), type: "INT64" },
          { name: "method", data: rows.map((r) => r[1]), type: "STRING" },
          { name: "cents", data: rows.map((r) => r[2]), type: "INT32" },
        ] as never,
      }),
    );

  type DeleteSpec =
    | { kind: "position"; rows: Array<[number, bigint]>; sequence: number; bytes?: Uint8Array } // [data file index, pos]; bytes: written elsewhere
    | { kind: "equality"; paymentIds: bigint[]; sequence: number };
  async function table(
    name: string,
    files: Array<{ bytes: Uint8Array; rows: number; sequence?: number; partition?: Record<string, unknown> }>,
    deletes: DeleteSpec[],
    schemas: SchemaDoc[] = [PAYMENTS],
    extra: Pick<NonNullable<Parameters<typeof tableMetadata>[3]>, "partitionFields" | "properties"> & { partitionAvro?: object[] } = {},
  ): Promise<WrittenTable> {
    const location = `${root}/sales/${name}`;
    const snapshotId = 8744736658442914487n;
    type DataFileRecord = {
      content: number;
      file_path: string;
      file_format: string;
      partition: object;
      record_count: number;
      file_size_in_bytes: number;
      split_offsets: null;
      equality_ids?: number[] | null;
    };
    const dataFiles: DataFileRecord[] = [];
    for (const [i, file] of files.entries()) {
      const path = `${location}/data/0000${i}-data.parquet`;
      const size = await put(path, file.bytes);
      dataFiles.push({ content: 0, file_path: path, file_format: "PARQUET", partition: file.partition ?? {}, record_count: file.rows, file_size_in_bytes: size, split_offsets: null, equality_ids: null });
    }
    const entry = (df: DataFileRecord, sequence = 1) => ({ status: 1, snapshot_id: 1, sequence_number: sequence, file_sequence_number: sequence, data_file: df });
    const current = schemas[schemas.length - 1]!;
    const meta = { schema: JSON.stringify(current), "partition-spec": "[]", "partition-spec-id": "0", "format-version": "2" };
    const manifests = [];
    const dataManifest = `${location}/metadata/m0-data.avro`;
    const entrySchema = manifestEntry(extra.partitionAvro);
    const dataBytes = await avroFile(entrySchema, dataFiles.map((df, i) => entry(df, files[i]!.sequence)), { ...meta, content: "data" });
    await put(dataManifest, dataBytes);
    const totalRows = files.reduce((n, f) => n + f.rows, 0);
    const ml = (path: string, length: number, content: number, files: number, rows: number) => ({
      manifest_path: path,
      manifest_length: length,
      partition_spec_id: 0,
      content,
      sequence_number: 1,
      min_sequence_number: 1,
      added_snapshot_id: 1,
      added_files_count: files,
      existing_files_count: 0,
      deleted_files_count: 0,
      added_rows_count: rows,
      existing_rows_count: 0,
      deleted_rows_count: 0,
    });
    manifests.push(ml(dataManifest, dataBytes.byteLength, 0, dataFiles.length, totalRows));
    const deleteEntries = [];
    for (const [i, d] of deletes.entries()) {
      const delPath = `${location}/data/0009${i}-deletes.parquet`;
      const columnData =
        d.kind === "position"
          ? [
              { name: "file_path", data: d.rows.map(([f]) => dataFiles[f]!.file_path), type: "STRING" },
              { name: "pos", data: d.rows.map(([, pos]) => pos), type: "INT64" },
            ]
          : [{ name: "payment_id", data: d.paymentIds, type: "INT64" }];
      const bytes = (d.kind === "position" && d.bytes) || new Uint8Array(parquetWriteBuffer({ codec: "UNCOMPRESSED", columnData: columnData as never }));
      const size = await put(delPath, bytes);
      const records = d.kind === "position" ? d.rows.length : d.paymentIds.length;
      const content = d.kind === "position" ? 1 : 2;
      const equalityIds = d.kind === "equality" ? [1] : null; // payment_id
      deleteEntries.push(entry({ content, file_path: delPath, file_format: "PARQUET", partition: files[0]?.partition ?? {}, record_count: records, file_size_in_bytes: size, split_offsets: null, equality_ids: equalityIds }, d.sequence));
    }
    const deleteFiles = deleteEntries.length;
    if (deleteFiles) {
      const delManifest = `${location}/metadata/m1-deletes.avro`;
      const bytes = await avroFile(entrySchema, deleteEntries, { ...meta, content: "deletes" });
      await put(delManifest, bytes);
      manifests.push(ml(delManifest, bytes.byteLength, 1, deleteFiles, deleteEntries.reduce((n, e) => n + e.data_file.record_count, 0)));
    }
    const manifestList = `${location}/metadata/snap-${snapshotId}.avro`;
    await put(manifestList, await avroFile(MANIFEST_FILE, manifests, { "snapshot-id": String(snapshotId), "format-version": "2" }));
    const { partitionAvro: _, ...metadataExtra } = extra;
    const metadata = tableMetadata(location, schemas, current["schema-id"] as number, {
      ...metadataExtra,
      snapshot: { id: snapshotId, manifestList, summary: { "total-records": String(totalRows), "total-data-files": String(dataFiles.length), "total-delete-files": String(deleteFiles), "total-files-size": String(dataFiles.reduce((n, f) => n + f.file_size_in_bytes, 0)) } },
    });
    const metadataLocation = `${location}/metadata/00001.metadata.json`;
    await put(metadataLocation, JSON.stringify(metadata, (_k, v) => (typeof v === "bigint" ? `__int64:${v}` : v)).replace(/"__int64:(-?\d+)"/g, "$1"));
    return { namespace: ["sales"], name, metadata, metadataLocation };
  }

  const written = (rows: Array<[bigint, string | null, number]>) => ({ bytes: parquet(rows), rows: rows.length });
  return [
    await table(
      "payments",
      [
        written([
          [1n, "card", 1250],
          [2n, "cash", 399],
          [3n, null, 0],
        ]),
        written([
          [4n, "card", 10001],
          [5n, "transfer", 2147483647],
        ]),
      ],
      [],
    ),
    await table(
      "refunds",
      [
        written([
          [10n, "card", -500],
          [11n, "card", -20],
        ]),
        { ...written([[12n, "cash", -75]]), sequence: 2 },
      ],
      [
        { kind: "position", rows: [[0, 0n], [1, 0n]], sequence: 1 },
        { kind: "equality", paymentIds: [11n, 12n], sequence: 2 },
      ],
    ),
    await table(
      "purged",
      [written([20n, 21n, 22n, 23n, 24n, 25n].map((id) => [id, "card", -1]))],
      [{ kind: "equality", paymentIds: [20n, 21n, 22n, 23n], sequence: 2 }],
    ),
    await (async () => {
      const { data, deletes } = await renamedFiles(`${root}/sales/renamed/data/00000-data.parquet`);
      return table("renamed", data, [{ kind: "position", rows: [[0, 1n]], sequence: 1, bytes: deletes }], [RENAMED_V0, RENAMED_V1]);
    })(),
    await table("migrated", [{ ...migratedFile(), partition: { region: "eu" } }], [], [MIGRATED], {
      partitionFields: [{ "source-id": 5, "field-id": 1000, name: "region", transform: "identity" }],
      partitionAvro: [{ name: "region", type: ["null", "string"], default: null, "field-id": 1000 }],
      properties: { "schema.name-mapping.default": MIGRATED_NAME_MAPPING },
    }),
  ];
}

// sales.migrated's one data file, as Hive wrote it: no field ids, the old column name, no region.
function migratedFile() {
  const bytes = new Uint8Array(
    parquetWriteBuffer({
      codec: "UNCOMPRESSED",
      columnData: [
        { name: "id", data: [7n, 8n], type: "INT64" },
        { name: "method", data: ["card", "cash"], type: "STRING" },
      ] as never,
    }),
  );
  return { bytes, rows: 2 };
}

// The data files of sales.renamed, written by DuckDB with the Iceberg field ids in their Parquet
// schema: the first under schema 0 (payment_id 1, method 2, cents 3), the second under schema 1
// (payment_id 1, payment_method 2, note 4), with the columns in another order than the schema's; and
// a position-delete file with the spec's reserved field ids (file_path 2147483546, pos 2147483545)
// deleting row 1 of the first.
async function renamedFiles(firstPath: string): Promise<{ data: Array<{ bytes: Uint8Array; rows: number }>; deletes: Uint8Array }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "iceberg-renamed-"));
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const c = await db.connect();
  try {
    const write = async (file: string, sql: string, ids: string, rows: number) => {
      const out = path.join(dir, file);
      await c.run(`COPY (${sql}) TO '${out}' (FORMAT parquet, FIELD_IDS {${ids}})`);
      return { bytes: new Uint8Array(readFileSync(out)), rows };
    };
    const data = [
      await write(
        "old.parquet",
        "SELECT * FROM (VALUES (1::BIGINT, 'card', 1250), (2::BIGINT, 'cash', 399)) t(payment_id, method, cents)",
        "payment_id: 1, method: 2, cents: 3",
        2,
      ),
      await write(
        "new.parquet",
        "SELECT * FROM (VALUES ('transfer', 3::BIGINT, 'late fee')) t(payment_method, payment_id, note)",
        "payment_method: 2, payment_id: 1, note: 4",
        1,
      ),
    ];
    const deletes = await write("deletes.parquet", `SELECT '${firstPath}' AS file_path, 1::BIGINT AS pos`, "file_path: 2147483546, pos: 2147483545", 1);
    return { data, deletes: deletes.bytes };
  } finally {
    c.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
