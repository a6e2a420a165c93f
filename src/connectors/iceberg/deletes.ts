import { footerLength, parseFooter, previewParquet } from "../../formats/parquet";
import type { StorageReader } from "../lakehouse/storage";

// Position deletes of the current snapshot, applied to a preview as the table spec says: a position
// delete file (rows of file_path, pos) removes row `pos` of data file `file_path` when the data file's
// data sequence number is at most the delete file's. Bounded: at most MAX_DELETE_FILES files and
// MAX_POSITIONS positions in all; past that nothing is applied and the caller says so. Equality
// deletes (content 2) are not applied here.

export const MAX_DELETE_FILES = 8;
export const MAX_POSITIONS = 100_000;
const TAIL = 64 * 1024;
const BUDGET = 16 * 1024 * 1024;

export type DeleteFile = { path: string; format: string; records: number; size: number; sequence: number; content: 1 | 2 };

// The data sequence number of a manifest entry: its own, or (added in this manifest, written as
// null) the manifest's, which every v2 manifest list records.
export function dataSequence(entrySequence: unknown, manifestSequence: unknown): number {
  const own = typeof entrySequence === "bigint" ? Number(entrySequence) : typeof entrySequence === "number" ? entrySequence : null;
  if (own !== null) return own;
  return typeof manifestSequence === "bigint" ? Number(manifestSequence) : typeof manifestSequence === "number" ? manifestSequence : 0;
}

export type PositionDeletes = {
  /** Positions deleted in the data file with this path and data sequence number. */
  of(dataPath: string, dataSequence: number): Set<number>;
  /** Why the position deletes could not be applied (too many files or positions), else null. */
  notApplied: string | null;
  files: number;
};

async function readPositions(storage: StorageReader, file: DeleteFile, wanted: number): Promise<Array<[string, number]>> {
  const size = file.size || (await storage.size(file.path));
  const tailStart = Math.max(0, size - TAIL);
  const held = await storage.range(file.path, tailStart, size);
  let tail = held;
  const len = footerLength(tail, size);
  if (len + 8 > tail.byteLength) {
    const more = await storage.range(file.path, size - len - 8, tailStart);
    const all = new Uint8Array(len + 8);
    all.set(more);
    all.set(tail, more.byteLength);
    tail = all;
  }
  const p = await previewParquet({
    metadata: parseFooter(tail.subarray(tail.byteLength - len - 8)),
    size,
    fetchRange: (s, e) => storage.range(file.path, s, e),
    limit: wanted,
    byteBudget: BUDGET,
    held: { start: tailStart, bytes: held },
    columns: ["file_path", "pos"],
  });
  return p.rows.map((r) => [String(r[0]), Number(r[1])]);
}

export async function positionDeletes(storage: StorageReader, deleteFiles: DeleteFile[]): Promise<PositionDeletes> {
  const positional = deleteFiles.filter((f) => f.content === 1);
  const none = (notApplied: string | null): PositionDeletes => ({ of: () => new Set(), notApplied, files: positional.length });
  if (!positional.length) return none(null);
  if (positional.length > MAX_DELETE_FILES) return none(`${positional.length} position delete files are more than a preview applies (${MAX_DELETE_FILES})`);
  const total = positional.reduce((n, f) => n + f.records, 0);
  if (total > MAX_POSITIONS) return none(`${total} deleted positions are more than a preview applies (${MAX_POSITIONS})`);
  const byPath = new Map<string, Array<{ pos: number; sequence: number }>>();
  for (const f of positional) {
    if (f.format !== "PARQUET") return none(`position delete files in ${f.format} are not read (Parquet only)`);
    for (const [path, pos] of await readPositions(storage, f, f.records)) {
      let list = byPath.get(path);
      if (!list) byPath.set(path, (list = []));
      list.push({ pos, sequence: f.sequence });
    }
  }
  return {
    of: (dataPath, seq) => new Set((byPath.get(dataPath) ?? []).filter((d) => seq <= d.sequence).map((d) => d.pos)),
    notApplied: null,
    files: positional.length,
  };
}
