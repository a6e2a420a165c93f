import { previewParquet, topLevelColumns } from "../../formats/parquet";
import type { StorageReader } from "../lakehouse/storage";
import { openParquet } from "./parquet-file";
import { projectColumns } from "./projection";
import type { IcebergSchema, TableMetadata } from "./rest";

// Row-level deletes of the current snapshot, applied to a preview as the table spec says:
// - a position delete file (rows of file_path, pos) removes row `pos` of data file `file_path` when
//   the data file's data sequence number is at most the delete file's;
// - an equality delete file (rows of the columns named by its equality_ids) removes every row whose
//   values in those columns equal one of its rows (nulls equal) when the data file's data sequence
//   number is strictly less than the delete file's.
// Bounded: at most MAX_DELETE_FILES files and MAX_DELETE_ROWS rows in all; past that, or for delete
// files that are not Parquet (deletion vectors are Puffin), nothing is applied and the caller says so.

export const MAX_DELETE_FILES = 8;
export const MAX_DELETE_ROWS = 100_000;
const BUDGET = 16 * 1024 * 1024;

export type DeleteFile = { path: string; format: string; records: number; size: number; sequence: number; content: 1 | 2; equalityIds?: number[] };

// The data sequence number of a manifest entry: its own, or (added in this manifest, written as
// null) the manifest's, which every v2 manifest list records.
export function dataSequence(entrySequence: unknown, manifestSequence: unknown): number {
  const asNumber = (v: unknown) => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : null);
  return asNumber(entrySequence) ?? asNumber(manifestSequence) ?? 0;
}

export type Deletes = {
  /** Positions deleted in the data file with this path and data sequence number. */
  positions(dataPath: string, dataSequence: number): Set<number>;
  /** Whether an equality delete removes this row (values in the current schema's order). */
  removes(row: unknown[], dataSequence: number): boolean;
  /** Whether any equality delete applies to a data file with this sequence number. */
  equalityApplies(dataSequence: number): boolean;
  /** Why the deletes could not be applied, else null. */
  notApplied: string | null;
};

// Values compared as text, so the same value decoded from an int and a long column (type promotion) matches.
const keyOf = (values: unknown[]) => JSON.stringify(values.map((v) => (v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : String(v))));

async function readRows(storage: StorageReader, schema: IcebergSchema, metadata: TableMetadata, file: DeleteFile, fieldIds: number[]) {
  const opened = await openParquet(storage, file.path, file.size);
  const fields = fieldIds.map((id) => schema.fields.find((f) => f.id === id)!);
  const { sources } = projectColumns({ ...schema, fields }, metadata, topLevelColumns(opened.metadata));
  const wanted = sources.filter((n): n is string => n !== null);
  const p = await previewParquet({ ...opened, fetchRange: (s, e) => storage.range(file.path, s, e), limit: file.records, byteBudget: BUDGET, columns: wanted });
  const at = new Map(p.columns.map((c, i) => [c.name, i]));
  return { rows: p.rows.map((r) => sources.map((s) => (s === null ? null : (r[at.get(s)!] ?? null)))), complete: !p.truncated && p.rows.length === file.records };
}

const POSITION_SCHEMA: IcebergSchema = {
  type: "struct",
  fields: [
    { id: 2147483546, name: "file_path", required: true, type: "string" },
    { id: 2147483545, name: "pos", required: true, type: "long" },
  ],
};

export async function readDeletes(storage: StorageReader, deleteFiles: DeleteFile[], schema: IcebergSchema, metadata: TableMetadata): Promise<Deletes> {
  const none = (notApplied: string | null): Deletes => ({ positions: () => new Set(), removes: () => false, equalityApplies: () => false, notApplied });
  if (!deleteFiles.length) return none(null);
  if (deleteFiles.length > MAX_DELETE_FILES) return none(`${deleteFiles.length} delete files are more than a preview applies (${MAX_DELETE_FILES})`);
  const total = deleteFiles.reduce((n, f) => n + f.records, 0);
  if (total > MAX_DELETE_ROWS) return none(`${total} deleted rows are more than a preview applies (${MAX_DELETE_ROWS})`);
  const other = deleteFiles.find((f) => f.format !== "PARQUET");
  if (other) return none(`delete files in ${other.format} are not read (Parquet only; deletion vectors are Puffin)`);

  const byPath = new Map<string, Array<{ pos: number; sequence: number }>>();
  const equality: Array<{ ids: number[]; keys: Set<string>; sequence: number }> = [];
  for (const f of deleteFiles) {
    if (f.content === 1) {
      // (the table's name mapping is for data files, not these: their columns have reserved names)
      const { rows, complete } = await readRows(storage, POSITION_SCHEMA, { "format-version": 2 }, f, POSITION_SCHEMA.fields.map((x) => x.id));
      if (!complete) return none(`the position delete file ${f.path} could not be read whole`);
      for (const [path, pos] of rows) {
        let list = byPath.get(String(path));
        if (!list) byPath.set(String(path), (list = []));
        list.push({ pos: Number(pos), sequence: f.sequence });
      }
      continue;
    }
    const ids = f.equalityIds ?? [];
    if (!ids.length) return none(`the equality delete file ${f.path} names no equality_ids`);
    const missing = ids.filter((id) => !schema.fields.some((x) => x.id === id));
    if (missing.length) return none(`equality deletes on fields ${missing.join(", ")}, which are not top-level columns of the current schema`);
    const { rows, complete } = await readRows(storage, schema, metadata, f, ids);
    if (!complete) return none(`the equality delete file ${f.path} could not be read whole`);
    equality.push({ ids, keys: new Set(rows.map(keyOf)), sequence: f.sequence });
  }
  const indexes = new Map(schema.fields.map((x, i) => [x.id, i]));
  return {
    positions: (dataPath, seq) => new Set((byPath.get(dataPath) ?? []).filter((d) => seq <= d.sequence).map((d) => d.pos)),
    removes: (row, seq) => equality.some((e) => seq < e.sequence && e.keys.has(keyOf(e.ids.map((id) => row[indexes.get(id)!])))),
    equalityApplies: (seq) => equality.some((e) => seq < e.sequence),
    notApplied: null,
  };
}
