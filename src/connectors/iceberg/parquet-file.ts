import { footerLength, parseFooter } from "../../formats/parquet";
import type { FileMetaData } from "hyparquet";
import type { StorageReader } from "../lakehouse/storage";

// A Parquet file of a table, opened with one GET of its last 64 KB (which holds a small file whole,
// so its rows come from those bytes) and a second only when the footer is longer.
const TAIL = 64 * 1024;

export type OpenedParquet = { metadata: FileMetaData; size: number; held: { start: number; bytes: Uint8Array } };

export async function openParquet(storage: StorageReader, path: string, knownSize: number): Promise<OpenedParquet> {
  const size = knownSize || (await storage.size(path));
  const start = Math.max(0, size - TAIL);
  const held = await storage.range(path, start, size);
  let tail = held;
  const len = footerLength(tail, size);
  if (len + 8 > tail.byteLength) {
    const more = await storage.range(path, size - len - 8, start);
    const all = new Uint8Array(len + 8);
    all.set(more);
    all.set(tail, more.byteLength);
    tail = all;
  }
  return { metadata: parseFooter(tail.subarray(tail.byteLength - len - 8)), size, held: { start, bytes: held } };
}
