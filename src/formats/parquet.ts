import { parquetMetadata, parquetSchema } from "hyparquet";
import type { FileMetaData, ParquetParsers, SchemaElement, SchemaTree } from "hyparquet";
import { ConnectorError } from "../connectors/errors";
import type { Column, PortableType } from "../connectors/types";
import { endsWithPar1 } from "./detect";
import { isoDate, isoInstant } from "./values";

// Parquet: the schema comes from the footer alone (FileMetaData at the end of the file: 4-byte length
// and "PAR1"). Rows are read by ./parquet-rows.ts.

// Statistics in the footer (and map keys, see parquet-values.ts) go through these parsers.
export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => isoInstant(v, 1000n, true),
  timestampFromMicroseconds: (v: bigint) => isoInstant(v, 1000000n, true),
  timestampFromNanoseconds: (v: bigint) => isoInstant(v, 1000000000n, true),
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

// The file's top-level columns, with the field id a writer stored for each (Iceberg writers do).
export function topLevelColumns(metadata: FileMetaData): Array<{ name: string; fieldId?: number }> {
  return parquetSchema(metadata).children.map((c) => (c.element.field_id === undefined ? { name: c.element.name } : { name: c.element.name, fieldId: c.element.field_id }));
}

export { previewParquet, type FetchRange, type ParquetPreview } from "./parquet-rows";
