import type { PortableType } from "../types";

// Databricks types to the portable set, and JSON_ARRAY strings to JSON-safe values. The manifest's
// type_text is the precise spelling (TIMESTAMP_NTZ, DECIMAL(10,2), ARRAY<INT>); type_name is the
// fallback (the statement API's enum lacks some types).

const KEYWORDS: Record<string, string> = {
  BIGINT: "LONG",
  LONG: "LONG",
  INT: "INT",
  INTEGER: "INT",
  SMALLINT: "SHORT",
  SHORT: "SHORT",
  TINYINT: "BYTE",
  BYTE: "BYTE",
  DECIMAL: "DECIMAL",
  DEC: "DECIMAL",
  NUMERIC: "DECIMAL",
  FLOAT: "FLOAT",
  REAL: "FLOAT",
  DOUBLE: "DOUBLE",
  BOOLEAN: "BOOLEAN",
  STRING: "STRING",
  VARCHAR: "STRING",
  CHAR: "CHAR",
  DATE: "DATE",
  TIMESTAMP: "TIMESTAMP",
  TIMESTAMP_LTZ: "TIMESTAMP",
  TIMESTAMP_NTZ: "TIMESTAMP_NTZ",
  TIME: "TIME",
  BINARY: "BINARY",
  INTERVAL: "INTERVAL",
  ARRAY: "ARRAY",
  STRUCT: "STRUCT",
  MAP: "MAP",
  VARIANT: "VARIANT",
  OBJECT: "VARIANT",
  VOID: "NULL",
  NULL: "NULL",
};

const PORTABLE: Record<string, PortableType> = {
  LONG: "integer",
  INT: "integer",
  SHORT: "integer",
  BYTE: "integer",
  DECIMAL: "decimal",
  FLOAT: "float",
  DOUBLE: "float",
  BOOLEAN: "boolean",
  STRING: "string",
  CHAR: "string",
  DATE: "date",
  TIMESTAMP: "timestamp_tz",
  TIMESTAMP_NTZ: "timestamp",
  TIME: "time",
  BINARY: "binary",
  ARRAY: "array",
  STRUCT: "struct",
  MAP: "map",
  VARIANT: "json",
};

export function canonicalType(typeName?: string | null, typeText?: string | null): string {
  const word = /^\s*([A-Za-z_]+)/.exec(typeText ?? "")?.[1]?.toUpperCase();
  const fromText = word ? KEYWORDS[word] : undefined;
  if (fromText) return fromText;
  const name = (typeName ?? "").toUpperCase();
  return KEYWORDS[name] ?? name ?? "OTHER";
}

export function portableType(typeName?: string | null, typeText?: string | null): PortableType {
  return PORTABLE[canonicalType(typeName, typeText)] ?? "other";
}

export function nativeType(typeName?: string | null, typeText?: string | null): string {
  return (typeText || typeName || "UNKNOWN").trim();
}

type JsonReviverContext = { source?: string };

// Nested values (ARRAY, STRUCT, MAP, VARIANT) are JSON text; numbers that a double cannot hold
// exactly stay strings, read from the source text where the runtime offers it.
function parseNested(text: string): unknown {
  try {
    return JSON.parse(text, function (this: unknown, _key: string, value: unknown, context?: JsonReviverContext) {
      if (typeof value === "number" && context?.source !== undefined) {
        // More than 15 significant digits may not survive a double: keep the exact text.
        const digits = context.source.replace(/^-/, "").replace(/[eE].*$/, "").replace(".", "").replace(/^0+/, "");
        if (digits.length > 15) return context.source;
      }
      return value;
    } as (this: unknown, key: string, value: unknown) => unknown);
  } catch {
    return text;
  }
}

function isoTimestamp(v: string, zoned: boolean): string {
  let s = v.trim().replace(" ", "T");
  if (zoned && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += "Z";
  return s;
}

export type Decoder = (v: unknown) => unknown;

export function decoderFor(typeName?: string | null, typeText?: string | null): Decoder {
  const kind = canonicalType(typeName, typeText);
  const guard = (fn: (s: string) => unknown): Decoder => (v) => (v === null || v === undefined ? null : typeof v === "string" ? fn(v) : v);
  switch (kind) {
    case "BYTE":
    case "SHORT":
    case "INT":
      return guard((s) => (Number.isSafeInteger(Number(s)) ? Number(s) : s));
    case "LONG":
    case "DECIMAL":
      return guard((s) => s.trim());
    case "FLOAT":
    case "DOUBLE":
      return guard((s) => {
        const n = Number(s);
        return Number.isFinite(n) ? n : s; // NaN and infinities stay strings ("NaN", "Infinity")
      });
    case "BOOLEAN":
      return guard((s) => (s === "true" ? true : s === "false" ? false : s));
    case "TIMESTAMP":
      return guard((s) => isoTimestamp(s, true));
    case "TIMESTAMP_NTZ":
      return guard((s) => isoTimestamp(s, false));
    case "ARRAY":
    case "STRUCT":
    case "MAP":
    case "VARIANT":
      return guard(parseNested);
    default:
      return guard((s) => s); // STRING, CHAR, DATE (ISO already), BINARY (base64), INTERVAL, other
  }
}

// Unity Catalog's type_json is Spark's JSON schema of the column ({"name","type","nullable","metadata"}):
// simple types by Spark name (long, integer, short, byte, decimal(10,2) ...), nested ones as objects
// (array: elementType; map: keyType/valueType; struct: fields). This renders it as the catalog string
// type_text would carry (bigint, array<int>, struct<a:bigint>), for columns that come without one.
const SQL_NAMES: Record<string, string> = { long: "bigint", integer: "int", short: "smallint", byte: "tinyint" };

export function typeTextFromJson(typeJson: string | null | undefined): string | null {
  if (!typeJson) return null;
  let field: unknown;
  try {
    field = JSON.parse(typeJson);
  } catch {
    return null;
  }
  const render = (t: unknown): string | null => {
    if (typeof t === "string") return SQL_NAMES[t] ?? t;
    if (!t || typeof t !== "object") return null;
    const o = t as { type?: unknown; elementType?: unknown; keyType?: unknown; valueType?: unknown; fields?: unknown };
    if (o.type === "array") {
      const e = render(o.elementType);
      return e === null ? null : `array<${e}>`;
    }
    if (o.type === "map") {
      const k = render(o.keyType);
      const v = render(o.valueType);
      return k === null || v === null ? null : `map<${k},${v}>`;
    }
    if (o.type === "struct" && Array.isArray(o.fields)) {
      const parts: string[] = [];
      for (const f of o.fields as Array<{ name?: unknown; type?: unknown }>) {
        const ft = render(f.type);
        if (typeof f.name !== "string" || ft === null) return null;
        parts.push(`${f.name}:${ft}`);
      }
      return `struct<${parts.join(",")}>`;
    }
    return null;
  };
  return render((field as { type?: unknown } | null)?.type);
}
