import { parquetMetadata, parquetRead, parquetSchema } from "hyparquet";
import type { AsyncBuffer, ColumnChunk, Compressors, FileMetaData, ParquetParsers, SchemaElement, SchemaTree } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { decompress as zstdDecompress } from "fzstd";
import { gunzip as gunzipRaw } from "hyparquet-compressors/src/gzip.js";
import { decompressLz4, decompressLz4Raw } from "hyparquet-compressors/src/lz4.js";
import { ConnectorError } from "../connectors/errors";
import type { Column, PortableType, ResultColumn } from "../connectors/types";
import { endsWithPar1 } from "./detect";
import { jsonSafe } from "./values";

// Parquet: the schema comes from the footer alone (FileMetaData at the end of the file: 4-byte length
// and "PAR1"); previews read only the first row group, and of each column chunk only the pages that
// hold the first rows, within a byte budget.

// SNAPPY is hyparquet's own (JS). Brotli is left out: its dictionary alone is ~80 KB of bundle.
const COMPRESSORS: Compressors = {
  GZIP: (input: Uint8Array, length: number) => gunzipRaw(input, new Uint8Array(length)),
  ZSTD: (input: Uint8Array) => zstdDecompress(input),
  LZ4: decompressLz4,
  LZ4_RAW: decompressLz4Raw,
};

const isoDate = (days: number) => new Date(days * 86400000).toISOString().slice(0, 10);
// Timestamps as ISO-8601 strings, keeping micro- and nanosecond digits.
function isoFrom(units: bigint, perSecond: bigint): string {
  let seconds = units / perSecond;
  let frac = units % perSecond;
  if (frac < 0n) {
    frac += perSecond;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = String(perSecond).length - 1;
  const f = frac === 0n ? "" : `.${String(frac).padStart(digits, "0").replace(/0+$/, "")}`;
  return `${base}${f}Z`;
}
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => isoFrom(v, 1000n),
  timestampFromMicroseconds: (v: bigint) => isoFrom(v, 1000000n),
  timestampFromNanoseconds: (v: bigint) => isoFrom(v, 1000000000n),
  dateFromDays: (d: number) => isoDate(d),
  jsonFromBytes: (b: Uint8Array) => {
    const s = new TextDecoder().decode(b);
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  },
};

// ---- footer -------------------------------------------------------------------------------------

// Given the tail of a file (its last bytes) and the file size: the footer length, or a clear error.
export function footerLength(tail: Uint8Array, size: number): number {
  if (size < 12) throw new ConnectorError("invalid_request", `The object is too small (${size} bytes) to be a Parquet file`);
  if (!endsWithPar1(tail)) {
    throw new ConnectorError("invalid_request", "The object is not a Parquet file: it does not end with the PAR1 magic bytes (truncated, or another format)");
  }
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const len = view.getUint32(tail.byteLength - 8, true);
  if (len === 0 || len + 12 > size) {
    throw new ConnectorError("invalid_request", `The Parquet footer length (${len} bytes) does not fit in the file (${size} bytes): the file is corrupt`);
  }
  return len;
}

// Parses FileMetaData from a buffer that ends with the footer, its length and PAR1.
export function parseFooter(bytes: Uint8Array): FileMetaData {
  const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(copy as ArrayBuffer, { parsers: PARSERS });
    parquetSchema(metadata); // validates the schema tree
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/\s+/g, " ").slice(0, 120) : "unreadable";
    throw new ConnectorError("invalid_request", `The Parquet footer is corrupt and cannot be read (${reason})`);
  }
  if (!metadata.schema?.length || !Array.isArray(metadata.row_groups)) {
    throw new ConnectorError("invalid_request", "The Parquet footer is corrupt: it has no schema");
  }
  return metadata;
}

// ---- schema -------------------------------------------------------------------------------------

type Typed = { type: PortableType; nativeType: string };

function leafType(e: SchemaElement): Typed {
  const physical = e.type ?? "BYTE_ARRAY";
  const lt = e.logical_type;
  const spell = (s: string) => `${physical} ${s}`;
  if (lt) {
    switch (lt.type) {
      case "STRING":
      case "ENUM":
        return { type: "string", nativeType: spell(lt.type) };
      case "UUID":
        return { type: "string", nativeType: spell("UUID") };
      case "DECIMAL":
        return { type: "decimal", nativeType: spell(`DECIMAL(${lt.precision},${lt.scale})`) };
      case "DATE":
        return { type: "date", nativeType: spell("DATE") };
      case "TIME":
        return { type: "time", nativeType: spell(`TIME(${lt.unit},${lt.isAdjustedToUTC ? "UTC" : "local"})`) };
      case "TIMESTAMP":
        return {
          type: lt.isAdjustedToUTC ? "timestamp_tz" : "timestamp",
          nativeType: spell(`TIMESTAMP(${lt.unit},${lt.isAdjustedToUTC ? "UTC" : "local"})`),
        };
      case "INTEGER":
        return { type: "integer", nativeType: spell(`INT(${lt.bitWidth},${lt.isSigned ? "signed" : "unsigned"})`) };
      case "JSON":
      case "VARIANT":
        return { type: "json", nativeType: spell(lt.type) };
      case "BSON":
        return { type: "binary", nativeType: spell("BSON") };
      case "FLOAT16":
        return { type: "float", nativeType: spell("FLOAT16") };
      case "GEOMETRY":
      case "GEOGRAPHY":
        return { type: "binary", nativeType: spell(lt.type) };
    }
  }
  const ct = e.converted_type;
  if (ct) {
    if (ct === "UTF8" || ct === "ENUM") return { type: "string", nativeType: spell(ct) };
    if (ct === "DECIMAL") return { type: "decimal", nativeType: spell(`DECIMAL(${e.precision ?? "?"},${e.scale ?? 0})`) };
    if (ct === "DATE") return { type: "date", nativeType: spell("DATE") };
    if (ct === "TIME_MILLIS" || ct === "TIME_MICROS") return { type: "time", nativeType: spell(ct) };
    if (ct === "TIMESTAMP_MILLIS" || ct === "TIMESTAMP_MICROS") return { type: "timestamp_tz", nativeType: spell(ct) };
    if (ct === "JSON") return { type: "json", nativeType: spell("JSON") };
    if (ct === "BSON") return { type: "binary", nativeType: spell("BSON") };
    if (/^U?INT_/.test(ct)) return { type: "integer", nativeType: spell(ct) };
    if (ct === "INTERVAL") return { type: "other", nativeType: spell("INTERVAL") };
  }
  switch (physical) {
    case "BOOLEAN":
      return { type: "boolean", nativeType: physical };
    case "INT32":
    case "INT64":
      return { type: "integer", nativeType: physical };
    case "INT96":
      return { type: "timestamp", nativeType: physical };
    case "FLOAT":
    case "DOUBLE":
      return { type: "float", nativeType: physical };
    case "FIXED_LEN_BYTE_ARRAY":
      return { type: "binary", nativeType: `${physical}(${e.type_length ?? "?"})` };
    default:
      return { type: "binary", nativeType: physical };
  }
}

const isList = (e: SchemaElement) => e.converted_type === "LIST" || e.logical_type?.type === "LIST";
const isMap = (e: SchemaElement) =>
  e.converted_type === "MAP" || e.converted_type === "MAP_KEY_VALUE" || e.logical_type?.type === "MAP";

function nodeType(node: SchemaTree): Typed {
  const e = node.element;
  let t: Typed;
  if (!node.children.length) t = leafType(e);
  else if (isList(e)) {
    // LIST -> repeated group "list" -> element (or the legacy 2-level form)
    const rep = node.children[0]!;
    const elem = rep.children.length === 1 && !isMap(rep.element) ? rep.children[0]! : rep;
    t = { type: "array", nativeType: `LIST<${nodeType(elem).nativeType}>` };
  } else if (isMap(e)) {
    const kv = node.children[0]!;
    const [k, v] = kv.children;
    t = { type: "map", nativeType: `MAP<${k ? nodeType(k).nativeType : "?"}, ${v ? nodeType(v).nativeType : "?"}>` };
  } else {
    t = {
      type: "struct",
      nativeType: `STRUCT<${node.children.map((c) => `${c.element.name}: ${nodeType(c).nativeType}`).join(", ")}>`,
    };
  }
  // an un-annotated repeated field is a list of itself
  if (e.repetition_type === "REPEATED" && !isList(e)) return { type: "array", nativeType: `REPEATED ${t.nativeType}` };
  return t;
}

export type ParquetDescription = {
  columns: Column[];
  rowCount: number;
  rowGroups: number;
  codecs: string[];
  createdBy: string | null;
  footerBytes: number;
};

export function describeParquet(metadata: FileMetaData, footerBytes: number): ParquetDescription {
  const tree = parquetSchema(metadata);
  const columns: Column[] = tree.children.map((node, i) => {
    const t = nodeType(node);
    return {
      name: node.element.name,
      position: i + 1,
      type: t.type,
      nativeType: t.nativeType,
      nullable: node.element.repetition_type !== "REQUIRED",
    };
  });
  const codecs = new Set<string>();
  for (const rg of metadata.row_groups) for (const c of rg.columns) if (c.meta_data) codecs.add(c.meta_data.codec);
  return {
    columns,
    rowCount: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.length,
    codecs: [...codecs].sort(),
    createdBy: metadata.created_by ?? null,
    footerBytes,
  };
}

// ---- preview ------------------------------------------------------------------------------------

export type FetchRange = (start: number, endExclusive: number) => Promise<Uint8Array>;

type Piece = { start: number; bytes: Uint8Array };

const WHOLE_GROUP_MAX = 4 * 1024 * 1024; // read a first row group this small in one request
const MANY_CHUNKS = 16; // with more column chunks than this, a group within the budget is read whole...
const WHOLE_GROUP_PART = 8 * 1024 * 1024; // ...in parts of at most this size (few requests, not one per column)
// First read of each column chunk otherwise: enough for a first page of the usual 1 MB page size
// (parquet-mr, Arrow, hyparquet-writer) and its header, within half the budget over all chunks.
const FIRST_READ_MIN = 64 * 1024;
const FIRST_READ_MAX = 1024 * 1024 + 64 * 1024;
const NEXT_HEADER_SLACK = 16 * 1024; // read past a page so the next page header comes along

function chunkRange(c: ColumnChunk): { start: number; length: number } {
  const m = c.meta_data;
  if (!m) throw new ConnectorError("invalid_request", "The Parquet file has a column chunk without metadata");
  if (c.file_path) throw new ConnectorError("invalid_request", "Parquet files whose column chunks live in other files are not supported");
  const start = Number(m.dictionary_page_offset || m.data_page_offset);
  return { start, length: Number(m.total_compressed_size) };
}

// Walks page headers in a prefix of a column chunk. Returns where the pages that cover `rows` rows end
// (a page boundary), how many rows they hold, and how far to read next when the prefix is too short.
function scanPages(prefix: Uint8Array, chunkLength: number, rows: number, flat: boolean) {
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
    const end = reader.offset + header.compressed_page_size;
    if (end > prefix.byteLength) return { cut, covered, need: Math.min(chunkLength, end + NEXT_HEADER_SLACK) };
    if (header.type === "DATA_PAGE_V2") covered += header.data_page_header_v2?.num_rows ?? 0;
    else if (header.type === "DATA_PAGE") covered += flat ? (header.data_page_header?.num_values ?? 0) : 0;
    offset = end;
    cut = end;
    if (covered >= rows && header.type !== "DICTIONARY_PAGE") return { cut, covered, need: 0 };
    if (!flat && header.type === "DATA_PAGE" && header.data_page_header && header.data_page_header.num_values >= rows) {
      // nested v1 pages count values, not rows: at least one row per... unknown; a page with as many
      // values as rows wanted is taken as enough (rows cut short are trimmed after decoding)
      return { cut, covered: rows, need: 0 };
    }
  }
  return { cut: chunkLength, covered: Infinity, need: 0 };
}

export type ParquetPreview = { columns: ResultColumn[]; rows: unknown[][]; truncated: boolean; bytesRead: number };

export async function previewParquet(args: {
  metadata: FileMetaData;
  size: number;
  fetchRange: FetchRange;
  limit: number;
  byteBudget: number;
}): Promise<ParquetPreview> {
  const { metadata, limit, byteBudget } = args;
  const described = describeParquet(metadata, 0);
  const columns: ResultColumn[] = described.columns.map((c) => ({ name: c.name, type: c.type, nativeType: c.nativeType }));
  const rg = metadata.row_groups[0];
  const totalRows = Number(metadata.num_rows);
  if (!rg || Number(rg.num_rows) === 0 || limit <= 0) {
    return { columns, rows: [], truncated: totalRows > 0 && limit < totalRows, bytesRead: 0 };
  }
  for (const c of rg.columns) {
    const codec = c.meta_data?.codec;
    if (codec && codec !== "UNCOMPRESSED" && codec !== "SNAPPY" && !(codec in COMPRESSORS)) {
      throw new ConnectorError("invalid_request", `Parquet pages compressed with ${codec} cannot be previewed`);
    }
  }
  const want = Math.min(limit, Number(rg.num_rows));
  const tree = parquetSchema(metadata);
  const leafIsFlat = new Map<string, boolean>();
  const visit = (node: SchemaTree, repeated: boolean) => {
    const rep = repeated || node.element.repetition_type === "REPEATED";
    if (!node.children.length) leafIsFlat.set(node.path.join("."), !rep);
    for (const ch of node.children) visit(ch, rep);
  };
  for (const ch of tree.children) visit(ch, false);

  const ranges = rg.columns.map(chunkRange);
  const pieces: Piece[] = [];
  let bytesRead = 0;
  const fetch = async (start: number, end: number) => {
    if (bytesRead + (end - start) > byteBudget) return null;
    bytesRead += end - start;
    const bytes = await args.fetchRange(start, end);
    return bytes;
  };

  const groupStart = Math.min(...ranges.map((r) => r.start));
  const groupEnd = Math.max(...ranges.map((r) => r.start + r.length));
  const cuts: number[] = [];
  let covered = want;
  const groupSize = groupEnd - groupStart;
  if (groupSize <= Math.min(WHOLE_GROUP_MAX, byteBudget) || (ranges.length > MANY_CHUNKS && groupSize <= byteBudget)) {
    const parts: Array<[number, number]> = [];
    for (let at = groupStart; at < groupEnd; at += WHOLE_GROUP_PART) parts.push([at, Math.min(groupEnd, at + WHOLE_GROUP_PART)]);
    const fetched = await Promise.all(parts.map(([a, b]) => fetch(a, b)));
    fetched.forEach((bytes, i) => {
      if (bytes) pieces.push({ start: parts[i]![0], bytes });
    });
    for (const r of ranges) cuts.push(r.length);
  } else {
    // Each column chunk: read a prefix, walk its page headers, read on until the pages that hold the
    // first `want` rows are complete (or the budget is spent).
    const firstRead = Math.max(FIRST_READ_MIN, Math.min(FIRST_READ_MAX, Math.floor(byteBudget / (2 * ranges.length))));
    const perChunk = await Promise.all(
      rg.columns.map(async (c, i) => {
        const r = ranges[i]!;
        const flat = leafIsFlat.get(c.meta_data!.path_in_schema.join(".")) ?? false;
        let prefix = new Uint8Array(0);
        let need = Math.min(r.length, firstRead);
        for (;;) {
          const more = await fetch(r.start + prefix.byteLength, r.start + need);
          if (!more) break;
          const merged = new Uint8Array(prefix.byteLength + more.byteLength);
          merged.set(prefix);
          merged.set(more, prefix.byteLength);
          prefix = merged;
          const scan = scanPages(prefix, r.length, want, flat);
          if (scan.need === 0 || scan.need <= prefix.byteLength) return { prefix, cut: scan.cut, covered: scan.covered };
          need = scan.need;
        }
        const scan = scanPages(prefix, r.length, want, flat);
        return { prefix, cut: scan.cut, covered: scan.covered };
      }),
    );
    perChunk.forEach((p, i) => {
      pieces.push({ start: ranges[i]!.start, bytes: p.prefix.subarray(0, p.cut) });
      cuts.push(p.cut);
      covered = Math.min(covered, p.covered);
    });
  }
  const rowsToRead = Math.min(want, covered);
  if (rowsToRead <= 0) return { columns, rows: [], truncated: true, bytesRead };

  // hyparquet reads from the pieces; column chunks are cut at page boundaries in a copy of the metadata
  const trimmed: FileMetaData = {
    ...metadata,
    num_rows: BigInt(rowsToRead),
    row_groups: [
      {
        ...rg,
        num_rows: BigInt(rowsToRead),
        columns: rg.columns.map((c, i) => ({
          ...c,
          offset_index_offset: undefined,
          offset_index_length: undefined,
          column_index_offset: undefined,
          column_index_length: undefined,
          meta_data: { ...c.meta_data!, total_compressed_size: BigInt(cuts[i]!) },
        })),
      },
    ],
  };
  const file: AsyncBuffer = {
    byteLength: args.size,
    slice(start: number, end?: number) {
      const stop = end ?? args.size;
      const out = new Uint8Array(stop - start);
      for (const p of pieces) {
        const from = Math.max(start, p.start);
        const to = Math.min(stop, p.start + p.bytes.byteLength);
        if (from < to) out.set(p.bytes.subarray(from - p.start, to - p.start), from - start);
      }
      return out.buffer;
    },
  };
  let objects: Record<string, unknown>[] = [];
  try {
    await parquetRead({
      file,
      metadata: trimmed,
      rowStart: 0,
      rowEnd: rowsToRead,
      compressors: COMPRESSORS,
      parsers: PARSERS,
      utf8: false, // un-annotated BYTE_ARRAY is binary (base64), as the schema says
      rowFormat: "object",
      onComplete: (rows: Record<string, unknown>[]) => {
        objects = rows;
      },
    });
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    const reason = err instanceof Error ? err.message.replace(/\s+/g, " ").slice(0, 120) : "unreadable";
    throw new ConnectorError("invalid_request", `The Parquet data pages cannot be read (${reason})`);
  }
  // decimals as strings with their scale ("-0.50"); hyparquet hands them over as numbers
  const scales = new Map<string, number>();
  for (const node of tree.children) {
    const e = node.element;
    if (node.children.length === 0 && (e.logical_type?.type === "DECIMAL" || e.converted_type === "DECIMAL")) {
      scales.set(e.name, e.logical_type?.type === "DECIMAL" ? e.logical_type.scale : (e.scale ?? 0));
    }
  }
  const cell = (name: string, v: unknown) => {
    const scale = scales.get(name);
    if (scale !== undefined && typeof v === "number" && Number.isFinite(v)) return v.toFixed(Math.min(scale, 100));
    return jsonSafe(v, scale !== undefined);
  };
  const rows: unknown[][] = [];
  for (const o of objects) {
    // a nested column cut short leaves undefined: stop at the first incomplete row
    if (columns.some((c) => o[c.name] === undefined)) break;
    rows.push(columns.map((c) => cell(c.name, o[c.name])));
  }
  return { columns, rows, truncated: rows.length < totalRows, bytesRead };
}
