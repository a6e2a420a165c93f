import { ConnectorError } from "../errors";
import { previewSnapshot, type PreviewResult } from "../iceberg/preview";
import type { TableMetadata } from "../iceberg/rest";
import { parseObjectUrl, type StorageKeys, type StorageReader, type StorageTarget } from "../lakehouse/storage";
import { listFiles } from "../s3/list";
import { preview as previewObject } from "../s3/preview";
import type { ConnectorContext } from "../types";
import { getTable, isIceberg, tableFormat, type GlueTable } from "./catalog";
import type { GlueClient } from "./client";

// Previews of Glue tables, from their files in S3 with the connection's key pair: Iceberg tables
// through their metadata file and the Iceberg snapshot reader; Parquet, CSV and JSON tables from the
// first data file under the table's location (the object-storage preview). Views have no files.

const METADATA_MAX_BYTES = 8 * 1024 * 1024;
const LISTED = 100; // objects looked at under a location for its first data file

export async function previewGlue(
  client: GlueClient,
  storage: StorageReader,
  access: { target: StorageTarget; keys: StorageKeys },
  ctx: ConnectorContext,
  args: { catalog?: string; schema: string; table: string; limit: number },
): Promise<PreviewResult> {
  const started = Date.now();
  const t = await getTable(client, args);
  if (t.TableType === "VIRTUAL_VIEW") throw new ConnectorError("capability_not_supported", "Glue views have no files to preview; query them with an engine such as Athena");
  if (isIceberg(t)) {
    const location = t.Parameters?.metadata_location;
    if (!location) throw new ConnectorError("capability_not_supported", "This Iceberg table has no metadata_location in Glue, so its files cannot be found");
    const metadata = JSON.parse(new TextDecoder().decode(await storage.readAll(location, METADATA_MAX_BYTES))) as TableMetadata;
    const result = await previewSnapshot(metadata, () => access, ctx, args.limit, client.secrets);
    return { ...result, elapsedMs: Date.now() - started };
  }
  return { ...(await previewFiles(t, storage, ctx, args.limit)), elapsedMs: Date.now() - started };
}

async function previewFiles(t: GlueTable, storage: StorageReader, ctx: ConnectorContext, limit: number): Promise<PreviewResult> {
  const format = tableFormat(t);
  if (!["parquet", "csv", "json"].includes(format)) throw new ConnectorError("capability_not_supported", `Glue tables stored as ${format} cannot be previewed (Parquet, CSV and JSON can)`);
  const location = t.StorageDescriptor?.Location;
  if (!location) throw new ConnectorError("capability_not_supported", "The table has no storage location");
  const { bucket, key } = parseObjectUrl(location.endsWith("/") ? location : `${location}/`);
  const s3 = storage.client(bucket);
  const listed = await listFiles(s3, { path: key, delimiter: "" }, { limit: LISTED });
  storage.requests++;
  // Data files only: Hive and Spark leave markers such as _SUCCESS and hidden .crc files.
  const files = listed.data.filter((f) => f.kind === "object" && f.size > 0 && !/(^|\/)[_.][^/]*$/.test(f.path.slice(key.length)));
  const first = files[0];
  if (!first) return { columns: [], rows: [], rowCount: 0, truncated: false, elapsedMs: 0 };
  const p = await previewObject(s3, ctx, { table: first.path, limit });
  const storageCols = t.StorageDescriptor?.Columns ?? [];
  // Headerless CSV: the catalog's column names are the truth when the counts agree.
  const columns = format === "csv" && storageCols.length === p.columns.length ? p.columns.map((c, i) => ({ ...c, name: storageCols[i]!.Name })) : p.columns;
  const warnings: string[] = [];
  if ((t.PartitionKeys ?? []).length) warnings.push(`Partition key values (${t.PartitionKeys!.map((k) => k.Name).join(", ")}) are not shown: they live in the object paths`);
  const more = files.length > 1 || listed.nextCursor !== null;
  // Only the first data file is read: with more files the table has rows this answer does not show.
  const result: PreviewResult = { ...p, columns, truncated: p.truncated || more };
  if (warnings.length) result.warnings = warnings;
  return result;
}
