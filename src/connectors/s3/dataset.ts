import { ConnectorError } from "../errors";
import type { Column, ConnectorContext, FileEntry, FileSchema, PortableType, ResultColumn, RowSet } from "../types";
import { nameHints } from "../../formats/detect";
import { mergeTypes, textType } from "../../formats/infer-types";
import { fromText } from "../../formats/values";
import { project } from "../project";
import type { S3Client } from "./client";
import { listFiles } from "./list";
import { preview } from "./preview";
import { inferFileSchema } from "./schema";

// A folder (a path ending in "/") as one dataset: its data files, with Hive-style partition folders
// (year=2024/month=01/) as typed columns. Bounded per call: one listing page of at most MAX_LISTED
// keys, the schema from at most MAX_SAMPLED files spread over them, a preview from as few files as
// its rows need (at most MAX_PREVIEW_FILES).

export const MAX_LISTED = 1000;
export const MAX_SAMPLED = 8;
export const MAX_PREVIEW_FILES = 20;
const HIVE_NULL = "__HIVE_DEFAULT_PARTITION__";

export const isDatasetPath = (path: string) => path === "" || path.endsWith("/");

type DataFile = { path: string; size: number; partitions: Map<string, string> };
type Listing = { files: DataFile[]; skipped: number; truncated: boolean; requests: number; family: "parquet" | "text" };

// Data files under the folder: hidden and marker files (_SUCCESS, _delta_log/, .crc) and empty
// objects are skipped; Parquet and text files may not be mixed.
async function listDataset(client: S3Client, path: string): Promise<Listing> {
  const page = await listFiles(client, { path, delimiter: "" }, { limit: MAX_LISTED });
  const objects = page.data.filter((e): e is FileEntry & { size: number } => e.kind === "object");
  let skipped = 0;
  const files: DataFile[] = [];
  for (const o of objects) {
    const rel = o.path.slice(path.length);
    const segments = rel.split("/");
    if (segments.some((s) => s.startsWith("_") || s.startsWith(".")) || o.size === 0) {
      skipped++;
      continue;
    }
    const partitions = new Map<string, string>();
    for (const seg of segments.slice(0, -1)) {
      const eq = seg.indexOf("=");
      if (eq > 0) partitions.set(decodeSegment(seg.slice(0, eq)), decodeSegment(seg.slice(eq + 1)));
    }
    files.push({ path: o.path, size: o.size, partitions });
  }
  if (files.length === 0) {
    throw new ConnectorError("invalid_request", `The folder "${path}" holds no data files${skipped ? ` (${skipped} hidden or empty objects skipped)` : ""}`);
  }
  const isParquet = (f: DataFile) => nameHints(f.path).parquet;
  const parquet = files.filter(isParquet).length;
  if (parquet > 0 && parquet < files.length) {
    const other = files.find((f) => !isParquet(f))!;
    throw new ConnectorError("invalid_request", `The folder "${path}" mixes Parquet and other files (for example "${other.path}"): point at one kind`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped, truncated: page.nextCursor !== null, requests: 1, family: parquet ? "parquet" : "text" };
}

// Hive escapes characters in partition values as %XX.
function decodeSegment(s: string) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

type PartitionColumn = { name: string; type: PortableType };

function partitionColumns(files: DataFile[]): PartitionColumn[] {
  const types = new Map<string, PortableType | null>();
  for (const f of files) {
    for (const [k, v] of f.partitions) {
      const t = v === HIVE_NULL ? null : textType(v);
      types.set(k, mergeTypes(types.get(k) ?? null, t));
    }
  }
  return [...types].map(([name, t]) => ({ name, type: t ?? "string" }));
}

const partitionValue = (f: DataFile, c: PartitionColumn) => {
  const v = f.partitions.get(c.name);
  return v === undefined || v === HIVE_NULL ? null : fromText(v, c.type);
};

// Files spread evenly over the listing (first and last included).
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!);
}

type Conflict = { column: string; types: Array<{ path: string; type: string; nativeType: string }> };

export async function datasetSchema(client: S3Client, path: string): Promise<FileSchema> {
  const listing = await listDataset(client, path);
  const sampled = spread(listing.files, MAX_SAMPLED);
  const schemas = await Promise.all(sampled.map((f) => inferFileSchema(client, { path: f.path })));
  const union = new Map<string, Column & { seenIn: number }>();
  const conflicts = new Map<string, Conflict>();
  schemas.forEach((s, i) => {
    for (const c of s.columns) {
      const had = union.get(c.name);
      if (!had) {
        union.set(c.name, { ...c, nullable: c.nullable || i > 0, seenIn: 1 });
        continue;
      }
      had.seenIn++;
      had.nullable ||= c.nullable;
      if (had.type !== c.type || had.nativeType !== c.nativeType) {
        const conflict = conflicts.get(c.name) ?? { column: c.name, types: [{ path: schemas[0]!.path, type: had.type, nativeType: had.nativeType }] };
        conflict.types.push({ path: s.path, type: c.type, nativeType: c.nativeType });
        conflicts.set(c.name, conflict);
        had.type = mergeTypes(had.type, c.type) ?? "string";
        had.nativeType = had.type;
      }
    }
  });
  const columns: Column[] = [...union.values()].map(({ seenIn, ...c }) => ({ ...c, nullable: c.nullable || seenIn < schemas.length }));
  const partitions = partitionColumns(listing.files);
  for (const p of partitions) {
    if (union.has(p.name)) {
      conflicts.set(p.name, { column: p.name, types: [{ path: `${path}${p.name}=...`, type: p.type, nativeType: "hive partition" }] });
      continue; // the file's column is kept; the clash is reported
    }
    columns.push({ name: p.name, position: 0, type: p.type, nativeType: `partition (${p.type})`, nullable: true });
  }
  columns.forEach((c, i) => (c.position = i + 1));
  const requests = listing.requests + schemas.reduce((n, s) => n + Number(s.requests ?? 0), 0);
  const sampledBytes = schemas.reduce((n, s) => n + Number(s.sampledBytes ?? 0), 0);
  const allSampled = sampled.length === listing.files.length && !listing.truncated;
  const rows = schemas.map((s) => s.rowCount);
  return {
    path,
    format: "dataset",
    fileFormat: listing.family === "parquet" ? "parquet" : [...new Set(schemas.map((s) => s.format))].join(","),
    columns,
    partitions: partitions.map((p) => p.name),
    conflicts: [...conflicts.values()],
    files: { listed: listing.files.length, sampled: sampled.length, skipped: listing.skipped, listingTruncated: listing.truncated, sampledPaths: sampled.map((f) => f.path) },
    ...(allSampled && rows.every((r) => typeof r === "number") ? { rowCount: rows.reduce((a, b) => a + (b as number), 0) } : {}),
    requests,
    sampledBytes,
    inferredFromSample: !allSampled || schemas.some((s) => s.inferredFromSample),
  };
}

export async function datasetPreview(client: S3Client, ctx: ConnectorContext, args: { path: string; limit: number; columns?: string[] }): Promise<RowSet> {
  const started = Date.now();
  const listing = await listDataset(client, args.path);
  const partitions = partitionColumns(listing.files);
  const partitionNames = new Set(partitions.map((p) => p.name));
  const limit = Math.max(0, Math.min(Math.floor(args.limit), ctx.limits.previewRows || args.limit));
  // projection: file columns go to each file's reader, partition columns are filled in here
  const fileColumns = args.columns?.filter((n) => !partitionNames.has(n));
  const columns: ResultColumn[] = [];
  const index = new Map<string, number>();
  const rows: Array<Map<number, unknown>> = [];
  let requests = listing.requests;
  let bytesRead = 0;
  let filesRead = 0;
  let more = false;
  for (const f of listing.files) {
    if (rows.length >= limit) {
      more = true;
      break;
    }
    if (filesRead === MAX_PREVIEW_FILES) {
      more = true;
      break;
    }
    filesRead++;
    const part = await preview(client, ctx, { table: f.path, limit: limit - rows.length, columns: fileColumns?.length ? fileColumns : undefined }).catch((err) => {
      // a file without a requested column: the dataset's other files may have it
      if (err instanceof ConnectorError && /^Unknown column/.test(err.message)) return null;
      throw err;
    });
    if (!part) continue;
    requests += part.requests ?? 0;
    bytesRead += part.bytesRead ?? 0;
    const at = part.columns.map((c) => {
      let i = index.get(c.name);
      if (i === undefined) {
        i = columns.length;
        index.set(c.name, i);
        columns.push({ ...c });
      } else if (columns[i]!.type !== c.type) {
        columns[i]!.type = mergeTypes(columns[i]!.type, c.type) ?? "string";
        columns[i]!.nativeType = columns[i]!.type;
      }
      return i;
    });
    for (const r of part.rows) rows.push(new Map(r.map((v, j) => [at[j]!, v])));
    if (part.truncated) more = true;
    // the partition values of this file's rows
    for (let k = rows.length - part.rows.length; k < rows.length; k++) {
      for (const p of partitions) rows[k]!.set(-1 - partitions.indexOf(p), partitionValue(f, p));
    }
  }
  const fileCount = columns.length;
  const all: ResultColumn[] = [...columns];
  for (const p of partitions) if (!index.has(p.name)) all.push({ name: p.name, type: p.type, nativeType: `partition (${p.type})` });
  const out = rows.map((m) => {
    const r: unknown[] = all.map((_, i) => (i < fileCount ? (m.get(i) ?? null) : null));
    partitions.forEach((p, k) => {
      const i = all.findIndex((c) => c.name === p.name);
      if (i >= fileCount) r[i] = m.get(-1 - k) ?? null;
    });
    return r;
  });
  let result = { columns: all, rows: out };
  if (args.columns) result = project(all, out, args.columns);
  // the response byte cap over all files' rows: whole rows while their JSON fits
  let size = 0;
  const keep = result.rows.findIndex((r) => (size += JSON.stringify(r).length + 1) > ctx.limits.responseBytes);
  if (keep !== -1) {
    result.rows = result.rows.slice(0, keep);
    more = true;
  }
  return {
    ...result,
    rowCount: result.rows.length,
    truncated: more || listing.truncated,
    elapsedMs: Date.now() - started,
    requests,
    bytesRead,
  };
}
