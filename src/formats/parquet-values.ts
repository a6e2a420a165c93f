import type { SchemaElement, SchemaTree } from "hyparquet";
import { base64, exactJsonValue, isoDate, isoDuration, isoInstant, isoTime, jsonSafe, scaledDecimal, uuid } from "./values";

// Parquet values as their writer meant them. hyparquet is handed a schema whose leaves carry only
// their physical type (see `physicalOnly`), so it returns raw values: boolean, number (INT32, FLOAT,
// DOUBLE), bigint (INT64, INT96 as nanoseconds) and bytes (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY). Each
// leaf's logical type is then applied here, once, with exact arithmetic (the table in the README).

export type LeafConverter = (raw: unknown) => unknown;
export type Converter = (value: unknown) => unknown;

const utf8 = new TextDecoder("utf-8");

const bigOf = (raw: unknown): bigint => (typeof raw === "bigint" ? raw : BigInt(raw as number));

// Two's-complement big-endian bytes (DECIMAL in FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY) as a bigint.
export function bigFromBytes(bytes: Uint8Array): bigint {
  if (!bytes.length) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return bytes[0]! & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v;
}

function float16(bytes: Uint8Array): number | string {
  const h = (bytes[1]! << 8) | bytes[0]!;
  const sign = h >> 15 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? "NaN" : sign > 0 ? "Infinity" : "-Infinity";
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const finite = (n: number): number | string => (Number.isFinite(n) ? n : String(n));


// INTERVAL: 12 bytes, three little-endian unsigned 32-bit counts (months, days, milliseconds).
function interval(bytes: Uint8Array): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isoDuration(v.getUint32(0, true), v.getUint32(4, true), BigInt(v.getUint32(8, true)) * 1000n);
}

// INT96 (legacy Impala/Spark timestamps): hyparquet gives nanoseconds since the epoch.
const INT96_NANOS = (raw: unknown) => isoInstant(bigOf(raw), 1_000_000_000n, false);

const PER_SECOND = { MILLIS: 1000n, MICROS: 1_000_000n, NANOS: 1_000_000_000n } as const;

// The converter for one leaf, or null when the type is not one this table knows (the column is
// then returned as nulls and marked unsupported).
export function leafConverter(e: SchemaElement): LeafConverter | null {
  const physical = e.type;
  const lt = e.logical_type;
  const ct = e.converted_type;
  const bytes = (f: (b: Uint8Array) => unknown): LeafConverter => (raw) => f(raw as Uint8Array);
  if (lt?.type === "DECIMAL" || ct === "DECIMAL") {
    const scale = lt?.type === "DECIMAL" ? lt.scale : (e.scale ?? 0);
    if (physical === "INT32" || physical === "INT64") return (raw) => scaledDecimal(bigOf(raw), scale);
    return bytes((b) => scaledDecimal(bigFromBytes(b), scale));
  }
  if (lt?.type === "TIMESTAMP") return (raw) => isoInstant(bigOf(raw), PER_SECOND[lt.unit], lt.isAdjustedToUTC);
  if (ct === "TIMESTAMP_MILLIS") return (raw) => isoInstant(bigOf(raw), 1000n, true);
  if (ct === "TIMESTAMP_MICROS") return (raw) => isoInstant(bigOf(raw), 1_000_000n, true);
  if (lt?.type === "TIME") return (raw) => isoTime(bigOf(raw), PER_SECOND[lt.unit], lt.isAdjustedToUTC);
  if (ct === "TIME_MILLIS") return (raw) => isoTime(bigOf(raw), 1000n, true);
  if (ct === "TIME_MICROS") return (raw) => isoTime(bigOf(raw), 1_000_000n, true);
  if (lt?.type === "DATE" || ct === "DATE") return (raw) => isoDate(Number(raw));
  if (lt?.type === "INTEGER" || (ct && /^U?INT_/.test(ct))) {
    const signed = lt?.type === "INTEGER" ? lt.isSigned : ct!.startsWith("INT_");
    const width = lt?.type === "INTEGER" ? lt.bitWidth : Number(ct!.replace(/^U?INT_/, ""));
    if (width === 64) return (raw) => (signed ? bigOf(raw) : BigInt.asUintN(64, bigOf(raw))).toString();
    return (raw) => (signed ? Number(raw) : Number(raw) >>> 0);
  }
  if (lt?.type === "STRING" || lt?.type === "ENUM" || ct === "UTF8" || ct === "ENUM") return bytes((b) => utf8.decode(b));
  if (lt?.type === "JSON" || ct === "JSON") {
    return bytes((b) => {
      const text = utf8.decode(b);
      try {
        return jsonSafe(exactJsonValue(text));
      } catch {
        return text; // not valid JSON: the text as written
      }
    });
  }
  if (lt?.type === "UUID") return bytes(uuid);
  if (lt?.type === "FLOAT16") return bytes(float16);
  if (ct === "INTERVAL") return bytes(interval);
  if (lt?.type === "BSON" || ct === "BSON" || lt?.type === "GEOMETRY" || lt?.type === "GEOGRAPHY") return bytes(base64);
  if (lt || (ct && ct !== "LIST" && ct !== "MAP" && ct !== "MAP_KEY_VALUE")) return null; // an annotation we do not know
  switch (physical) {
    case "BOOLEAN":
      return (raw) => Boolean(raw);
    case "INT32":
      return (raw) => Number(raw);
    case "INT64":
      return (raw) => bigOf(raw).toString();
    case "INT96":
      return INT96_NANOS;
    case "FLOAT":
    case "DOUBLE":
      return (raw) => finite(Number(raw));
    case "BYTE_ARRAY":
    case "FIXED_LEN_BYTE_ARRAY":
      return bytes(base64);
    default:
      return null;
  }
}

const isList = (e: SchemaElement) => e.converted_type === "LIST" || e.logical_type?.type === "LIST";
const isMap = (e: SchemaElement) => e.converted_type === "MAP" || e.converted_type === "MAP_KEY_VALUE" || e.logical_type?.type === "MAP";

// Why a column cannot be converted, or null when it can.
export function unsupportedReason(node: SchemaTree): string | null {
  const e = node.element;
  if (e.logical_type?.type === "VARIANT") return "VARIANT values are not decoded";
  if (!node.children.length) return leafConverter(e) ? null : `the type ${describeAnnotation(e)} is not supported`;
  for (const c of node.children) {
    const r = unsupportedReason(c);
    if (r) return r;
  }
  return null;
}

const describeAnnotation = (e: SchemaElement) => `${e.type ?? "group"} ${e.logical_type?.type ?? e.converted_type ?? ""}`.trim();

const nullable = (f: Converter): Converter => (v) => (v === null || v === undefined ? null : f(v));

// The converter of a (possibly nested) column from its schema node, applied to what hyparquet
// assembled: arrays for lists, objects for structs and maps.
export function columnConverter(node: SchemaTree): Converter {
  const e = node.element;
  let inner: Converter;
  if (!node.children.length) {
    const leaf = leafConverter(e)!;
    inner = nullable(leaf);
  } else if (isList(e) && node.children.length === 1) {
    const rep = node.children[0]!;
    const elem = rep.children.length === 1 ? rep.children[0]! : rep;
    const each = columnConverter(elem);
    inner = nullable((v) => (v as unknown[]).map(each));
  } else if (isMap(e) && node.children[0]?.children.length === 2) {
    const valueNode = node.children[0]!.children[1]!;
    const each = columnConverter(valueNode);
    inner = nullable((v) => {
      const out: Record<string, unknown> = {};
      const entries = v instanceof Map ? [...v] : Object.entries(v as Record<string, unknown>);
      for (const [k, x] of entries) out[String(k)] = each(x);
      return out;
    });
  } else {
    const fields = node.children.map((c) => [c.element.name, columnConverter(c)] as const);
    inner = nullable((v) => {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, f] of fields) out[name] = f(o[name]);
      return out;
    });
  }
  // an un-annotated repeated field is a list of itself
  if (e.repetition_type === "REPEATED" && !isList(e)) return nullable((v) => (Array.isArray(v) ? v.map(inner) : [inner(v)]));
  return inner;
}

// A copy of the schema for hyparquet: leaves keep only their physical type (so values come raw),
// except map keys, which become object keys and so must arrive as text; LIST and MAP groups get the
// converted type hyparquet recognises them by.
export function physicalOnly(schema: SchemaElement[]): SchemaElement[] {
  const out: SchemaElement[] = schema.map((e) => ({ ...e }));
  // walk the flat schema with a stack of remaining children to know each element's parent
  const parents: number[] = [];
  const remaining: number[] = [];
  for (let i = 0; i < out.length; i++) {
    const e = out[i]!;
    const parent = parents.length ? parents[parents.length - 1]! : -1;
    const isLeaf = !e.num_children;
    const grand = parents.length > 1 ? out[parents[parents.length - 2]!]! : undefined;
    const isMapKey = isLeaf && e.name === "key" && grand !== undefined && isMap(grand);
    if (isLeaf && !isMapKey) {
      delete e.logical_type;
      delete e.converted_type;
    } else if (!isLeaf) {
      if (e.logical_type?.type === "LIST") e.converted_type = "LIST";
      if (e.logical_type?.type === "MAP") e.converted_type = "MAP";
    }
    if (parent >= 0) remaining[remaining.length - 1]!--;
    if (!isLeaf) {
      parents.push(i);
      remaining.push(e.num_children!);
    }
    while (remaining.length && remaining[remaining.length - 1] === 0) {
      remaining.pop();
      parents.pop();
    }
  }
  return out;
}
