import { readAvroFile } from "../../formats/avro";
import { previewParquet, topLevelColumns, type ParquetPreview } from "../../formats/parquet";
import { ConnectorError } from "../errors";
import { StorageReader, type StorageKeys, type StorageTarget } from "../lakehouse/storage";
import type { ConnectorContext, ResultColumn, RowSet } from "../types";
import type { IcebergClient } from "./client";
import { currentSchema, nativeType, portableType } from "./columns";
import type { IcebergConfig } from "./config";
import { dataSequence, readDeletes, type DeleteFile } from "./deletes";
import { openParquet } from "./parquet-file";
import { identityFields, partitionValue } from "./partition-values";
import { projectColumns } from "./projection";
import { loadTable, type LoadedTable, type TableMetadata } from "./rest";
export type { StorageKeys };

// Rows of the current snapshot, read from its files: the manifest list and manifests (Avro), then
// the live Parquet data files in manifest order, until the row limit. Storage access: credentials
// the catalog vends for the table (X-Iceberg-Access-Delegation: vended-credentials) take
// precedence (they are scoped to the table); else the S3 credential named in config.storage, else
// the connection's own SigV4 key pair. Bounded by files opened, manifest bytes and a byte budget.
// Position and equality deletes are applied (deletes.ts); what could not be applied is said in
// `warnings`. The columns are the current schema's: each data file's columns are matched to them by
// field id (projection.ts) and only those are read; a column a file lacks reads as its identity
// partition's value (partition-values.ts), else null.

export const MAX_DATA_FILES = 8;
export const MAX_MANIFESTS = 16;
export const MAX_ROWS_SCANNED = 100_000; // of one data file, looking for rows equality deletes leave
const MANIFEST_MAX_BYTES = 8 * 1024 * 1024;
const PARQUET_BUDGET = 24 * 1024 * 1024;

export type PreviewResult = RowSet & { warnings?: string[] };

// partition: the file's partition tuple from its manifest entry; specId: its manifest's partition spec.
type DataFile = { path: string; format: string; records: number; size: number; sequence: number; partition: Record<string, unknown> | null; specId: number };

function storageFor(loaded: LoadedTable, config: IcebergConfig, own: StorageKeys | null, path: string): { target: StorageTarget; keys: StorageKeys } {
  const matching = loaded.vended.storageCredentials.filter((c) => path.startsWith(c.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
  const props = { ...loaded.vended.config, ...(matching?.config ?? {}) };
  const vendedKeys =
    props["s3.access-key-id"] && props["s3.secret-access-key"]
      ? { accessKeyId: props["s3.access-key-id"], secretAccessKey: props["s3.secret-access-key"], sessionToken: props["s3.session-token"] }
      : null;
  const keys = vendedKeys ?? own;
  if (!keys) {
    throw new ConnectorError(
      "capability_not_supported",
      "The catalog vended no storage credentials for this table, and the connection names no S3 credential (config storage.credentialId) and has no SigV4 key pair, so its data files cannot be read",
    );
  }
  // Vended keys go where the catalog says; our own keys only where config.storage says (the hosts
  // the named credential was approved for).
  const vendedRegion = props["client.region"] ?? props["s3.region"];
  const region = (vendedKeys ? (vendedRegion ?? config.storage?.region) : (config.storage?.region ?? vendedRegion)) ?? config.signingRegion ?? "us-east-1";
  const endpoint = (vendedKeys ? props["s3.endpoint"] : undefined) ?? config.storage?.endpoint;
  const addressing = vendedKeys && props["s3.path-style-access"] === "true" ? "path" : (config.storage?.addressing ?? "virtual");
  return { target: { region, endpoint, addressing }, keys };
}

// equality_ids of a delete file's entry (an Avro array of ints, absent for position deletes).
const equalityIdsOf = (df: Record<string, unknown>) => (Array.isArray(df.equality_ids) ? df.equality_ids.map((v) => Number(v)) : undefined);

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : 0);

export async function previewIceberg(
  client: IcebergClient,
  ctx: ConnectorContext,
  own: StorageKeys | null,
  args: { namespace: string[]; table: string; limit: number },
): Promise<PreviewResult> {
  const started = Date.now();
  const loaded = await loadTable(client, args.namespace, args.table, { vend: true });
  const result = await previewSnapshot(loaded.metadata, (path) => storageFor(loaded, client.config, own, path), ctx, args.limit, client.auth.secrets);
  return { ...result, elapsedMs: Date.now() - started };
}

// The current snapshot's rows, given the table metadata and how to reach its files. `secrets`
// collects the storage keys used, for redaction.
export async function previewSnapshot(
  m: TableMetadata,
  access: (path: string) => { target: StorageTarget; keys: StorageKeys },
  ctx: ConnectorContext,
  rowLimit: number,
  secrets: string[],
): Promise<PreviewResult> {
  const started = Date.now();
  const limit = Math.max(0, Math.floor(rowLimit));
  const schema = currentSchema(m);
  const schemaColumns: ResultColumn[] = schema.fields.map((f) => ({ name: f.name, type: portableType(f.type), nativeType: nativeType(f.type) }));
  const snapshot = m.snapshots?.find((s) => s["snapshot-id"] === m["current-snapshot-id"]);
  if (!snapshot) return { columns: schemaColumns, rows: [], rowCount: 0, truncated: false, elapsedMs: Date.now() - started };
  if (!snapshot["manifest-list"]) throw new ConnectorError("capability_not_supported", "The current snapshot has no manifest list (format v1 inline manifests are not read)");

  const { target, keys } = access(snapshot["manifest-list"]);
  const storage = new StorageReader(target, keys, ctx);
  for (const s of [keys.secretAccessKey, keys.sessionToken]) if (s && !secrets.includes(s)) secrets.push(s);
  const read = (what: string, url: string) =>
    storage.readAll(url, MANIFEST_MAX_BYTES).catch((err) => {
      if (err instanceof ConnectorError && err.code === "not_found") throw new ConnectorError("upstream_error", `The table's ${what} is missing from storage`, err.detail);
      throw err;
    });

  const warnings: string[] = [];
  const list = await readAvroFile(await read("manifest list", snapshot["manifest-list"]));
  const files: DataFile[] = [];
  const deleteFiles: DeleteFile[] = [];
  const fileOf = (df: Record<string, unknown>) => ({ path: String(df.file_path), format: String(df.file_format).toUpperCase(), records: num(df.record_count), size: num(df.file_size_in_bytes) });
  let deletesUnread = 0;
  let manifestsRead = 0;
  let truncated = false;
  // The live entries of one manifest: its delete files, and (for a data manifest) its data files.
  const readManifest = async (mf: Record<string, unknown>, data: boolean) => {
    const manifest = await readAvroFile(await read("manifest", String(mf.manifest_path)));
    for (const entry of manifest.records) {
      if (num(entry.status) === 2) continue; // deleted in this snapshot
      const df = entry.data_file as Record<string, unknown>;
      const sequence = dataSequence(entry.sequence_number, mf.sequence_number);
      const content = num(df.content);
      if (content === 1 || content === 2) deleteFiles.push({ ...fileOf(df), content, sequence, equalityIds: equalityIdsOf(df) });
      else if (data) files.push({ ...fileOf(df), sequence, partition: (df.partition as Record<string, unknown> | null) ?? null, specId: num(mf.partition_spec_id) });
    }
  };
  // Delete manifests first: every one of them may touch the data files the preview reads.
  for (const mf of list.records.filter((r) => num(r.content) === 1)) {
    if (manifestsRead >= MAX_MANIFESTS) {
      deletesUnread += num(mf.added_files_count) + num(mf.existing_files_count) || 1;
      continue;
    }
    manifestsRead++;
    await readManifest(mf, false);
  }
  manifestsRead = 0;
  // (content is absent in format v1: data)
  for (const mf of list.records.filter((r) => num(r.content) !== 1)) {
    if (files.reduce((n, f) => n + f.records, 0) >= limit || manifestsRead >= MAX_MANIFESTS) {
      truncated = true;
      continue;
    }
    manifestsRead++;
    await readManifest(mf, true);
  }
  const deletes = await readDeletes(storage, files.length ? deleteFiles : [], schema, m);
  if (deletesUnread > 0) warnings.push(`${deletesUnread} delete file(s) in the current snapshot were not read: rows deleted by them may appear`);
  if (deletes.notApplied) warnings.push(`Deletes were not applied (${deletes.notApplied}): rows deleted by them may appear`);

  const columns = [...schemaColumns];
  const notes = new Set<string>();
  const rows: unknown[][] = [];
  let opened = 0;
  for (const file of files) {
    if (rows.length >= limit) {
      truncated = true;
      break;
    }
    if (file.records === 0) continue;
    if (opened >= MAX_DATA_FILES || Date.now() > ctx.deadline - 1000) {
      truncated = true;
      break;
    }
    if (file.format !== "PARQUET") throw new ConnectorError("capability_not_supported", `Data files in ${file.format} cannot be previewed (Parquet only)`);
    opened++;
    const parquet = await openParquet(storage, file.path, file.size);
    const { sources } = projectColumns(schema, m, topLevelColumns(parquet.metadata));
    const deleted = deletes.positions(file.path, file.sequence);
    const byEquality = deletes.equalityApplies(file.sequence);
    const need = limit - rows.length;
    // What a column the file lacks reads as: its identity partition's value, else null.
    const identity = identityFields(m, file.specId);
    const fill = sources.map((source, i) => {
      const field = schema.fields[i]!;
      if (source !== null) return null;
      const partitionField = identity.get(field.id);
      if (partitionField !== undefined && file.partition && partitionField in file.partition) {
        const value = partitionValue(field.type, file.partition[partitionField]);
        if (value !== undefined) return value;
        notes.add(`Column ${field.name} is not in some data files and its partition value (type ${JSON.stringify(field.type)}) is not read; shown as null`);
      } else if ((field as { "initial-default"?: unknown })["initial-default"] !== undefined) {
        notes.add(`Column ${field.name}: its initial-default is not applied to data files written before it was added; shown as null`);
      }
      return null;
    });
    const read = (count: number) =>
      previewParquet({
        ...parquet, // a small data file is all in the bytes held: no second GET
        fetchRange: (s, e) => storage.range(file.path, s, e),
        limit: Math.min(file.records || Infinity, count),
        byteBudget: PARQUET_BUDGET,
        columns: sources.filter((n): n is string => n !== null),
      });
    // The file's first rows that no delete removes, in the current schema's order.
    const live = (p: ParquetPreview) => {
      const at = new Map(p.columns.map((c, i) => [c.name, i]));
      const out: unknown[][] = [];
      for (const [pos, r] of p.rows.entries()) {
        if (deleted.has(pos)) continue;
        const row = sources.map((source, i) => (source === null ? fill[i] : (r[at.get(source)!] ?? null)));
        if (!(byEquality && deletes.removes(row, file.sequence))) out.push(row);
      }
      return out;
    };
    // Deleted positions among the first rows are skipped: read that many more. How many rows an
    // equality delete removes is known only once read: read twice as many, then four times more
    // each time too few were left, up to MAX_ROWS_SCANNED rows of the file.
    let want = (byEquality ? 2 * need : need) + deleted.size;
    let p = await read(want);
    let kept = live(p);
    // (A read that brings no more rows than the last one has met the byte budget: stop there.)
    while (byEquality && kept.length < need && p.rows.length === want && p.rows.length < file.records && want < MAX_ROWS_SCANNED) {
      want = Math.min(MAX_ROWS_SCANNED, want * 4);
      p = await read(want);
      kept = live(p);
    }
    p.columns.forEach((c) => {
      const i = sources.indexOf(c.name);
      if (c.unsupported && i >= 0 && !columns[i]!.unsupported) columns[i] = { ...columns[i]!, unsupported: c.unsupported };
    });
    const taken = Math.min(kept.length, need);
    rows.push(...kept.slice(0, taken));
    const liveSeen = kept.length;
    // More live rows than were taken, or rows not read (row limit, byte budget, first row group only).
    if (p.truncated || liveSeen > taken || p.rows.length < file.records) truncated = true;
  }
  warnings.push(...notes);
  const result: PreviewResult = {
    columns,
    rows: rows.slice(0, limit),
    rowCount: Math.min(rows.length, limit),
    truncated: truncated || rows.length > limit,
    elapsedMs: Date.now() - started,
    requests: storage.requests,
    bytesRead: storage.bytesRead,
  };
  if (warnings.length) result.warnings = warnings;
  return result;
}
