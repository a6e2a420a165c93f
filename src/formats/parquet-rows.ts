import { parquetRead, parquetSchema } from "hyparquet";
import type { AsyncBuffer, ColumnChunk, Compressors, FileMetaData, RowGroup, SchemaTree } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { decompress as zstdDecompress } from "fzstd";
import { decompressBrotli } from "hyparquet-compressors/src/brotli.js";
import { gunzip as gunzipRaw } from "hyparquet-compressors/src/gzip.js";
import { decompressLz4, decompressLz4Raw } from "hyparquet-compressors/src/lz4.js";
import { ConnectorError } from "../connectors/errors";
import type { ResultColumn } from "../connectors/types";
import { describeParquet, PARSERS } from "./parquet";
import { columnConverter, physicalOnly, unsupportedReason, type Converter } from "./parquet-values";

// The first rows of a Parquet file from a ranged reader, within a byte budget: row groups in order
// until `limit` rows, and of a large column chunk only the pages that hold the rows wanted. Only the
// projected columns' chunks are read. Values follow the one conversion table (parquet-values.ts).

// Every codec the format defines except LZO (no Worker-side decoder; writers no longer produce it).
// SNAPPY is hyparquet's own.
const COMPRESSORS: Compressors = {
  GZIP: (input: Uint8Array, length: number) => gunzipRaw(input, new Uint8Array(length)),
  ZSTD: (input: Uint8Array) => zstdDecompress(input),
  BROTLI: decompressBrotli,
  LZ4: decompressLz4,
  LZ4_RAW: decompressLz4Raw,
};
const SUPPORTED_CODECS = new Set(["UNCOMPRESSED", "SNAPPY", ...Object.keys(COMPRESSORS)]);

export type FetchRange = (start: number, endExclusive: number) => Promise<Uint8Array>;

export type PreviewColumn = ResultColumn & { unsupported?: string };
export type ParquetPreview = { columns: PreviewColumn[]; rows: unknown[][]; truncated: boolean; bytesRead: number };

const WHOLE_SPAN_MAX = 4 * 1024 * 1024; // row groups this small (together) are read in one request
const MANY_CHUNKS = 16; // with more column chunks than this, a group within the budget is read whole...
const SPAN_PART = 8 * 1024 * 1024; // ...in parts of at most this size (few requests, not one per column)
// First read of each column chunk otherwise: enough for a first page of the usual 1 MB page size
// (parquet-mr, Arrow, hyparquet-writer) and its header, within half the budget over all chunks.
const FIRST_READ_MIN = 64 * 1024;
const FIRST_READ_MAX = 1024 * 1024 + 64 * 1024;
const NEXT_HEADER_SLACK = 16 * 1024; // read past a page so the next page header comes along
// A page is decoded whole: one that decompresses to more than this would not fit in a Worker's memory.
export const PAGE_MEMORY_MAX = 48 * 1024 * 1024;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function chunkRange(c: ColumnChunk): { start: number; length: number } {
  const m = c.meta_data;
  if (!m) throw new ConnectorError("invalid_request", "The Parquet file has a column chunk without metadata");
  if (c.file_path) throw new ConnectorError("invalid_request", "Parquet files whose column chunks live in other files are not supported");
  const start = Number(m.dictionary_page_offset || m.data_page_offset);
  return { start, length: Number(m.total_compressed_size) };
}

type Scan = { cut: number; covered: number; need: number; pending?: { compressed: number; uncompressed: number } };

// Walks page headers in a prefix of a column chunk. Returns where the pages that cover `rows` rows end
// (a page boundary), how many rows they hold, and how far to read next when the prefix is too short
// (with the size of the page that is cut off).
function scanPages(prefix: Uint8Array, chunkLength: number, rows: number, flat: boolean, column: string): Scan {
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let offset = 0;
  let covered = 0;
  let cut = 0;
  while (offset < chunkLength) {
    let header;
    const reader = { view, offset };
    try {
      header = parquetHeader(reader);
    } catch {
      return { cut, covered, need: Math.min(chunkLength, offset + NEXT_HEADER_SLACK * 4) }; // header cut off
    }
    if (header.uncompressed_page_size > PAGE_MEMORY_MAX) throw pageTooLarge(column, header.compressed_page_size, header.uncompressed_page_size);
    const end = reader.offset + header.compressed_page_size;
    if (end > prefix.byteLength) {
      const pending = { compressed: header.compressed_page_size, uncompressed: header.uncompressed_page_size };
      return { cut, covered, need: Math.min(chunkLength, end + NEXT_HEADER_SLACK), pending };
    }
    if (header.type === "DATA_PAGE_V2") covered += header.data_page_header_v2?.num_rows ?? 0;
    else if (header.type === "DATA_PAGE") covered += flat ? (header.data_page_header?.num_values ?? 0) : 0;
    offset = end;
    cut = end;
    if (covered >= rows && header.type !== "DICTIONARY_PAGE") return { cut, covered, need: 0 };
    if (!flat && header.type === "DATA_PAGE" && header.data_page_header && header.data_page_header.num_values >= rows) {
      // nested v1 pages count values, not rows: a page with as many values as rows wanted is taken as
      // enough (rows cut short are left out after decoding)
      return { cut, covered: rows, need: 0 };
    }
  }
  return { cut: chunkLength, covered: Infinity, need: 0 };
}

function pageTooLarge(column: string, compressed: number, uncompressed: number) {
  return new ConnectorError(
    "invalid_request",
    `Column "${column}" has a page of ${mb(compressed)} (${compressed} bytes compressed, ${uncompressed} bytes decompressed), ` +
      `more than a preview can hold in memory; preview the other columns with columns=...`,
  );
}

// Bytes fetched so far, by position, read through an AsyncBuffer for hyparquet.
class Pieces {
  private readonly list: Array<{ start: number; bytes: Uint8Array }> = [];
  add(start: number, bytes: Uint8Array) {
    this.list.push({ start, bytes });
  }
  covers(start: number, end: number) {
    return this.list.some((p) => p.start <= start && p.start + p.bytes.byteLength >= end);
  }
  bytes(start: number, stop: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(stop - start);
    for (const p of this.list) {
      const from = Math.max(start, p.start);
      const to = Math.min(stop, p.start + p.bytes.byteLength);
      if (from < to) out.set(p.bytes.subarray(from - p.start, to - p.start), from - start);
    }
    return out;
  }
  buffer(size: number): AsyncBuffer {
    return { byteLength: size, slice: (start: number, end?: number) => this.bytes(start, end ?? size).buffer };
  }
}

export async function previewParquet(args: {
  metadata: FileMetaData;
  size: number;
  fetchRange: FetchRange;
  limit: number;
  byteBudget: number;
  columns?: string[]; // top-level column names to read, in this order (default: all)
  // Bytes of the file the caller already holds (its footer read). A range inside them is served from
  // them: no request, nothing counted against the budget. A small file's footer read is the whole
  // file, so its preview needs no second GET.
  held?: { start: number; bytes: Uint8Array };
}): Promise<ParquetPreview> {
  const { metadata, limit, byteBudget } = args;
  const tree = parquetSchema(metadata);
  const described = describeParquet(metadata, 0);
  const byName = new Map(tree.children.map((node, i) => [node.element.name, { node, column: described.columns[i]! }]));
  let names = described.columns.map((c) => c.name);
  if (args.columns) {
    const unknown = args.columns.filter((n) => !byName.has(n));
    if (unknown.length) {
      const known = names.slice(0, 20).join(", ") + (names.length > 20 ? ", ..." : "");
      throw new ConnectorError("invalid_request", `Unknown column(s) ${unknown.map((n) => `"${n}"`).join(", ")}; the file's columns are ${known}`);
    }
    names = [...new Set(args.columns)];
  }
  const columns: PreviewColumn[] = names.map((n) => {
    const { node, column } = byName.get(n)!;
    const reason = unsupportedReason(node);
    return { name: n, type: column.type, nativeType: column.nativeType, ...(reason ? { unsupported: reason } : {}) };
  });
  const converters = new Map<string, Converter>();
  for (const c of columns) if (!c.unsupported) converters.set(c.name, columnConverter(byName.get(c.name)!.node));
  const totalRows = Number(metadata.num_rows);
  const want = Math.max(0, Math.min(limit, totalRows));
  let bytesRead = 0;
  const out: unknown[][] = [];

  const readable = [...converters.keys()];
  if (readable.length === 0 || want === 0) {
    // nothing to decode (no rows, or only unsupported columns): rows of nulls, no data read
    for (let i = 0; i < want; i++) out.push(columns.map(() => null));
    return { columns, rows: out, truncated: want < totalRows, bytesRead };
  }

  const pieces = new Pieces();
  if (args.held) pieces.add(args.held.start, args.held.bytes);
  const fetch = async (start: number, end: number) => {
    if (end <= start || pieces.covers(start, end)) return true;
    if (bytesRead + (end - start) > byteBudget) return false;
    bytesRead += end - start;
    pieces.add(start, await args.fetchRange(start, end));
    return true;
  };
  const fetchSpan = async (start: number, end: number) => {
    const parts: Array<[number, number]> = [];
    for (let at = start; at < end; at += SPAN_PART) parts.push([at, Math.min(end, at + SPAN_PART)]);
    return (await Promise.all(parts.map(([a, b]) => fetch(a, b)))).every(Boolean);
  };
  const selected = (rg: RowGroup) => rg.columns.filter((c) => converters.has(c.meta_data?.path_in_schema[0] ?? ""));
  const span = (rg: RowGroup) => {
    const ranges = selected(rg).map(chunkRange);
    return { start: Math.min(...ranges.map((r) => r.start)), end: Math.max(...ranges.map((r) => r.start + r.length)) };
  };

  // Row groups that hold the first `want` rows; when they are small together, one read for them all.
  const groups: RowGroup[] = [];
  for (let rows = 0, i = 0; rows < want && i < metadata.row_groups.length; i++) {
    const rg = metadata.row_groups[i]!;
    if (Number(rg.num_rows) === 0) continue;
    groups.push(rg);
    rows += Number(rg.num_rows);
  }
  for (const rg of groups) {
    for (const c of selected(rg)) {
      const codec = c.meta_data?.codec ?? "UNCOMPRESSED";
      if (!SUPPORTED_CODECS.has(codec)) throw new ConnectorError("invalid_request", `Parquet pages compressed with ${codec} cannot be read (supported: ${[...SUPPORTED_CODECS].join(", ")})`);
    }
  }
  const spans = groups.map(span);
  const first = Math.min(...spans.map((s) => s.start));
  const last = Math.max(...spans.map((s) => s.end));
  if (groups.length > 1 && last - first <= Math.min(WHOLE_SPAN_MAX, byteBudget)) await fetchSpan(first, last);

  const flatLeaves = leafFlatness(tree);
  const schema = physicalOnly(metadata.schema);
  for (let g = 0; g < groups.length && out.length < want; g++) {
    const rg = groups[g]!;
    const need = Math.min(want - out.length, Number(rg.num_rows));
    const { rowsToRead, cuts } = await loadGroup(rg, spans[g]!, need);
    if (rowsToRead <= 0) break;
    const objects = await decode(rg, rowsToRead, cuts);
    let complete = 0;
    for (const o of objects) {
      // a nested column cut short leaves undefined: stop at the first incomplete row
      if (readable.some((n) => o[n] === undefined)) break;
      out.push(columns.map((c) => (c.unsupported ? null : convert(c, o[c.name]))));
      complete++;
    }
    if (complete < Number(rg.num_rows) && out.length < want) break; // budget spent inside this group
  }
  return { columns, rows: out, truncated: out.length < totalRows, bytesRead };

  // One value through its column's converter; a value the table cannot represent (a timestamp beyond
  // what ISO-8601 text can say here) marks the column rather than failing the preview.
  function convert(c: PreviewColumn, raw: unknown) {
    try {
      return converters.get(c.name)!(raw);
    } catch (err) {
      c.unsupported = `a value cannot be converted (${reason(err)})`;
      converters.delete(c.name);
      for (const r of out) r[columns.indexOf(c)] = null;
      return null;
    }
  }

  // Reads what a row group's first `need` rows take: the whole group when small, else the pages
  // of each selected column chunk that hold them. Returns how many rows can be decoded and where
  // each chunk is cut (at a page boundary).
  async function loadGroup(rg: RowGroup, s: { start: number; end: number }, need: number) {
    const chunks = selected(rg);
    const cuts = new Map<ColumnChunk, number>();
    const size = s.end - s.start;
    const left = byteBudget - bytesRead;
    if (pieces.covers(s.start, s.end) || size <= Math.min(WHOLE_SPAN_MAX, left) || (chunks.length > MANY_CHUNKS && size <= left)) {
      if (await fetchSpan(s.start, s.end)) {
        for (const c of chunks) cuts.set(c, chunkRange(c).length);
        return { rowsToRead: need, cuts };
      }
    }
    const firstRead = Math.max(FIRST_READ_MIN, Math.min(FIRST_READ_MAX, Math.floor(left / (2 * chunks.length))));
    const covered = await Promise.all(
      chunks.map(async (c) => {
        const r = chunkRange(c);
        const path = c.meta_data!.path_in_schema.join(".");
        const flat = flatLeaves.get(path) ?? false;
        let prefix: Uint8Array = new Uint8Array(0);
        let until = Math.min(r.length, firstRead);
        let scan: Scan = { cut: 0, covered: 0, need: until };
        for (;;) {
          if (!(await fetch(r.start + prefix.byteLength, r.start + until))) break;
          prefix = pieces.bytes(r.start, r.start + until);
          scan = scanPages(prefix, r.length, need, flat, path);
          if (scan.need === 0 || scan.need <= prefix.byteLength) break;
          until = scan.need;
        }
        if (scan.covered === 0 && scan.pending && out.length === 0) {
          const { compressed, uncompressed } = scan.pending;
          if (compressed > byteBudget || uncompressed > PAGE_MEMORY_MAX) throw pageTooLarge(path, compressed, uncompressed);
          throw new ConnectorError(
            "invalid_request",
            `The first pages of the ${chunks.length} columns together are more than a preview's ${mb(byteBudget)} budget; preview fewer columns with columns=...`,
          );
        }
        cuts.set(c, scan.cut);
        return scan.covered;
      }),
    );
    return { rowsToRead: Math.min(need, ...covered), cuts };
  }

  async function decode(rg: RowGroup, rows: number, cuts: Map<ColumnChunk, number>) {
    const trimmed: FileMetaData = {
      ...metadata,
      schema,
      num_rows: BigInt(rows),
      row_groups: [
        {
          ...rg,
          num_rows: BigInt(rows),
          columns: rg.columns.map((c) => ({
            ...c,
            offset_index_offset: undefined,
            offset_index_length: undefined,
            column_index_offset: undefined,
            column_index_length: undefined,
            meta_data: cuts.has(c) ? { ...c.meta_data!, total_compressed_size: BigInt(cuts.get(c)!) } : c.meta_data,
          })),
        },
      ],
    };
    const read = async (cols: string[]) => {
      let objects: Record<string, unknown>[] = [];
      await parquetRead({
        file: pieces.buffer(args.size),
        metadata: trimmed,
        columns: cols,
        rowStart: 0,
        rowEnd: rows,
        compressors: COMPRESSORS,
        parsers: { ...PARSERS, timestampFromNanoseconds: (v: bigint) => v }, // INT96 arrives as nanoseconds
        utf8: false,
        rowFormat: "object",
        onComplete: (r: Record<string, unknown>[]) => {
          objects = r;
        },
      });
      return objects;
    };
    try {
      return await read(readable);
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      if (readable.length === 1) throw unreadable(err);
      // one column that cannot be decoded should not hide the others: read each on its own and
      // mark the ones that fail (the bytes are already here)
      const merged: Record<string, unknown>[] = Array.from({ length: rows }, () => ({}));
      let failures = 0;
      for (const n of readable) {
        try {
          (await read([n])).forEach((o, i) => (merged[i]![n] = o[n]));
        } catch (e) {
          failures++;
          const col = columns.find((c) => c.name === n)!;
          col.unsupported = `its values cannot be decoded (${reason(e)})`;
          converters.delete(n);
          merged.forEach((o) => (o[n] = null));
        }
      }
      if (failures === readable.length) throw unreadable(err);
      readable.splice(0, readable.length, ...converters.keys());
      return merged;
    }
  }
}

const reason = (err: unknown) => (err instanceof Error ? err.message.replace(/\s+/g, " ").slice(0, 120) : "unreadable");
const unreadable = (err: unknown) => new ConnectorError("invalid_request", `The Parquet data pages cannot be read (${reason(err)})`);

// Whether each leaf (by dotted path) is outside every repeated field: its v1 pages count rows.
function leafFlatness(tree: SchemaTree): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const visit = (node: SchemaTree, repeated: boolean) => {
    const rep = repeated || node.element.repetition_type === "REPEATED";
    if (!node.children.length) out.set(node.path.join("."), !rep);
    for (const ch of node.children) visit(ch, rep);
  };
  for (const ch of tree.children) visit(ch, false);
  return out;
}
