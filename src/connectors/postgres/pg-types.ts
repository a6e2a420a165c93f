import type { PortableType } from "../types";
import { byteaToBase64, parseArrayLiteral, timestampToIso, timetzToIso, type ArrayValue } from "./pg-text";

// Type mapping and value decoding. Values arrive as PostgreSQL text (both transports ask for text) and
// leave JSON-safe: int8/numeric as strings, timestamps ISO-8601, bytea base64, json parsed, arrays as arrays.

export type Decoder =
  | "int"
  | "bigint"
  | "float"
  | "bool"
  | "json"
  | "bytea"
  | "timestamp"
  | "timetz"
  | "array"
  | "text";

export type PgTypeInfo = { name: string; portable: PortableType; decoder: Decoder; elem?: number };

const t = (name: string, portable: PortableType, decoder: Decoder = "text"): PgTypeInfo => ({ name, portable, decoder });

// Built-in type OIDs (stable across PostgreSQL versions).
export const BUILTIN_TYPES: Record<number, PgTypeInfo> = {
  16: t("boolean", "boolean", "bool"),
  17: t("bytea", "binary", "bytea"),
  18: t('"char"', "string"),
  19: t("name", "string"),
  20: t("bigint", "integer", "bigint"),
  21: t("smallint", "integer", "int"),
  23: t("integer", "integer", "int"),
  25: t("text", "string"),
  26: t("oid", "integer", "int"),
  114: t("json", "json", "json"),
  142: t("xml", "string"),
  650: t("cidr", "string"),
  700: t("real", "float", "float"),
  701: t("double precision", "float", "float"),
  705: t("unknown", "string"),
  790: t("money", "other"),
  829: t("macaddr", "string"),
  869: t("inet", "string"),
  1042: t("character", "string"),
  1043: t("character varying", "string"),
  1082: t("date", "date"),
  1083: t("time without time zone", "time"),
  1114: t("timestamp without time zone", "timestamp", "timestamp"),
  1184: t("timestamp with time zone", "timestamp_tz", "timestamp"),
  1186: t("interval", "string"),
  1266: t("time with time zone", "time", "timetz"),
  1560: t("bit", "string"),
  1562: t("bit varying", "string"),
  1700: t("numeric", "decimal", "bigint"),
  2249: t("record", "struct"),
  2950: t("uuid", "string"),
  3614: t("tsvector", "string"),
  3802: t("jsonb", "json", "json"),
  4072: t("jsonpath", "string"),
};

const ARRAYS: Array<[number, number]> = [
  [1000, 16], [1001, 17], [1002, 18], [1003, 19], [1016, 20], [1005, 21], [1007, 23], [1009, 25],
  [1028, 26], [199, 114], [143, 142], [651, 650], [1021, 700], [1022, 701], [791, 790], [1040, 829],
  [1041, 869], [1014, 1042], [1015, 1043], [1182, 1082], [1183, 1083], [1115, 1114], [1185, 1184],
  [1187, 1186], [1270, 1266], [1231, 1700], [2951, 2950], [3807, 3802], [1561, 1560], [1563, 1562],
];
for (const [oid, elem] of ARRAYS) {
  BUILTIN_TYPES[oid] = { name: `${BUILTIN_TYPES[elem]!.name}[]`, portable: "array", decoder: "array", elem };
}

const BY_NAME: Record<string, PortableType> = {
  int2: "integer", int4: "integer", int8: "integer", oid: "integer", xid: "integer",
  numeric: "decimal", float4: "float", float8: "float", money: "other",
  bool: "boolean", bytea: "binary", date: "date", time: "time", timetz: "time",
  timestamp: "timestamp", timestamptz: "timestamp_tz", json: "json", jsonb: "json",
  text: "string", varchar: "string", bpchar: "string", char: "string", name: "string", citext: "string",
  uuid: "string", inet: "string", cidr: "string", macaddr: "string", macaddr8: "string", xml: "string",
  interval: "string", bit: "string", varbit: "string", tsvector: "string", tsquery: "string",
  jsonpath: "string", hstore: "map",
};

/**
 * Portable type of a catalog type: `typname`/`typtype`/`typcategory` of the type, or of its base type
 * for a domain (resolved by the caller's query).
 */
export function portableOf(typname: string, typtype: string, typcategory: string): PortableType {
  if (typcategory === "A") return "array";
  if (typtype === "c") return "struct";
  if (typtype === "e") return "string";
  if (typtype === "r" || typtype === "m") return "other";
  return BY_NAME[typname] ?? "other";
}

const DECODER_BY_NAME: Record<string, Decoder> = {
  int2: "int", int4: "int", oid: "int", int8: "bigint", numeric: "bigint", float4: "float", float8: "float",
  bool: "bool", json: "json", jsonb: "json", bytea: "bytea", timestamp: "timestamp", timestamptz: "timestamp",
  timetz: "timetz",
};

/** Type info for a type found in pg_type (used for OIDs not in BUILTIN_TYPES, e.g. enums, domains' arrays). */
export function infoFromCatalog(row: {
  formatted: string;
  typname: string;
  typtype: string;
  typcategory: string;
  elem: number;
}): PgTypeInfo {
  const portable = portableOf(row.typname, row.typtype, row.typcategory);
  if (portable === "array" && row.elem) return { name: row.formatted, portable, decoder: "array", elem: row.elem };
  return { name: row.formatted, portable, decoder: DECODER_BY_NAME[row.typname] ?? "text" };
}

export function decodeValue(text: string | null, info: PgTypeInfo | undefined, types: Map<number, PgTypeInfo>): unknown {
  if (text === null) return null;
  switch (info?.decoder) {
    case "int":
      return Number(text);
    case "bigint":
      return text;
    case "float": {
      const n = Number(text);
      return Number.isFinite(n) ? n : text; // NaN, Infinity, -Infinity stay strings
    }
    case "bool":
      return text === "t" || text === "true";
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    case "bytea":
      return byteaToBase64(text);
    case "timestamp":
      return timestampToIso(text);
    case "timetz":
      return timetzToIso(text);
    case "array": {
      const elem = info.elem !== undefined ? (types.get(info.elem) ?? BUILTIN_TYPES[info.elem]) : undefined;
      const walk = (v: ArrayValue): unknown => (Array.isArray(v) ? v.map(walk) : decodeValue(v, elem, types));
      try {
        return parseArrayLiteral(text).map(walk);
      } catch {
        return text;
      }
    }
    default:
      return text;
  }
}

// Columns of a type row: oid, formatted name, typname, typtype, typcategory, element oid.
const TYPE_COLUMNS =
  "t.oid::int8::text, format_type(t.oid, NULL), t.typname::text, t.typtype::text, t.typcategory::text, t.typelem::int8::text";

/** Looks up the given type OIDs ($1, an oid[] literal) and their element types. */
export const TYPE_LOOKUP_SQL = `SELECT ${TYPE_COLUMNS} FROM pg_type t
WHERE t.oid = ANY($1::oid[]) OR t.oid IN (SELECT typelem FROM pg_type WHERE oid = ANY($1::oid[]))`;

/**
 * The database's own types (enums, domains, ranges, extension types, standalone composites) and their arrays: small in
 * practice, and sent along with an HTTP statement so decoding never needs a second request.
 */
const OWN_TYPE = (x: string) =>
  `(${x}.typtype IN ('e', 'b', 'd', 'r', 'm') OR (${x}.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = ${x}.typrelid) = 'c'))`;
export const USER_TYPES_SQL = `SELECT ${TYPE_COLUMNS} FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
WHERE t.oid >= 16384 AND (${OWN_TYPE("t")} OR ${OWN_TYPE("e")})
LIMIT 5000`;

export function infoFromTypeRow(row: Array<string | null>): [number, PgTypeInfo] {
  const [oid, formatted, typname, typtype, typcategory, elem] = row;
  return [
    Number(oid),
    infoFromCatalog({
      formatted: formatted ?? `oid ${oid}`,
      typname: typname ?? "",
      typtype: typtype ?? "",
      typcategory: typcategory ?? "",
      elem: Number(elem ?? 0),
    }),
  ];
}
