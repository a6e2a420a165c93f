import type { PortableType, ResultColumn } from "../types";

// Decoding of the SQL API's jsonv2 `data` (every value a string, or null) by `resultSetMetaData.rowType`
// into JSON-safe values. Types are compared case-insensitively (lowercase in real responses, uppercase
// in the spec). Timestamps accept both documented encodings: `<seconds>.<9 digits>` and integer ns.

export type RowTypeEntry = {
  name: string;
  type: string;
  scale?: number | null;
  precision?: number | null;
  length?: number | null;
  nullable?: boolean;
  database?: string;
  schema?: string;
  table?: string;
};

type Decoder = (v: string) => unknown;
export type ColumnDecoder = ResultColumn & { decode: (v: string | null) => unknown };

const pad = (n: number | bigint, w = 2) => String(n).padStart(w, "0");

// Days since 1970-01-01 -> civil date (proleptic Gregorian), Howard Hinnant's algorithm.
function civil(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const ys = y < 0 ? `-${pad(-y, 6)}` : y > 9999 ? `+${pad(y, 6)}` : pad(y, 4);
  return `${ys}-${pad(m)}-${pad(d)}`;
}

// "<sec>.<frac>" or integer nanoseconds -> total nanoseconds.
function toNanos(v: string): bigint | null {
  const s = v.trim();
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(s);
  if (!m) return null;
  const neg = m[1] === "-";
  let ns: bigint;
  if (m[3] === undefined && m[2]!.length > 12) ns = BigInt(m[2]!); // integer-ns variant
  else ns = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? "").padEnd(9, "0"));
  return neg ? -ns : ns;
}

function fraction(nsOfSecond: bigint, scale: number): string {
  if (scale <= 0) return "";
  return "." + pad(nsOfSecond, 9).slice(0, Math.min(scale, 9));
}

// Wall-clock rendering of an instant given as ns since epoch (UTC), with `scale` fractional digits.
function wallClock(ns: bigint, scale: number): string {
  const NS_DAY = 86_400_000_000_000n;
  let days = ns / NS_DAY;
  let rem = ns % NS_DAY;
  if (rem < 0n) {
    rem += NS_DAY;
    days -= 1n;
  }
  const secs = rem / 1_000_000_000n;
  const h = secs / 3600n;
  const mi = (secs % 3600n) / 60n;
  const se = secs % 60n;
  return `${civil(Number(days))}T${pad(h)}:${pad(mi)}:${pad(se)}${fraction(rem % 1_000_000_000n, scale)}`;
}

function offset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

const tsScale = (c: RowTypeEntry) => (typeof c.scale === "number" ? c.scale : 9);

function hexToBase64(hex: string): string {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) return hex;
  let s = "";
  for (let i = 0; i < hex.length; i += 2) s += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(s);
}

function parseJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function number(v: string): unknown {
  const n = Number(v);
  return Number.isFinite(n) ? n : v; // NaN / inf stay strings: JSON has no spelling for them
}

function nativeType(c: RowTypeEntry): string {
  const t = c.type.toUpperCase();
  if (t === "FIXED") return `NUMBER(${c.precision ?? 38},${c.scale ?? 0})`;
  if (t === "TEXT") return c.length ? `VARCHAR(${c.length})` : "VARCHAR";
  if (t === "BINARY") return c.length ? `BINARY(${c.length})` : "BINARY";
  if (t === "REAL") return "FLOAT";
  if (/^(TIME|TIMESTAMP_(NTZ|LTZ|TZ))$/.test(t)) return `${t}(${tsScale(c)})`;
  return t;
}

function decoderFor(c: RowTypeEntry): { type: PortableType; decode: Decoder } {
  const t = c.type.toLowerCase();
  switch (t) {
    case "fixed": {
      const scale = c.scale ?? 0;
      if (scale > 0) return { type: "decimal", decode: (v) => v };
      // Integers: JSON numbers only where every value of the column fits a double exactly.
      const small = typeof c.precision === "number" && c.precision <= 15;
      return { type: "integer", decode: small ? (v) => number(v) : (v) => v.replace(/\.0*$/, "") };
    }
    case "decfloat":
      return { type: "decimal", decode: (v) => v };
    case "real":
    case "float":
    case "double":
      return { type: "float", decode: number };
    case "text":
    case "char":
    case "varchar":
    case "string":
      return { type: "string", decode: (v) => v };
    case "boolean":
      return { type: "boolean", decode: (v) => (/^(true|1)$/i.test(v) ? true : /^(false|0)$/i.test(v) ? false : v) };
    case "date":
      return { type: "date", decode: (v) => (/^-?\d+$/.test(v) ? civil(Number(v)) : v) };
    case "time":
      return {
        type: "time",
        decode: (v) => {
          const ns = toNanos(v);
          return ns === null ? v : wallClock(ns, tsScale(c)).slice(11);
        },
      };
    case "timestamp_ntz":
      return {
        type: "timestamp",
        decode: (v) => {
          const ns = toNanos(v);
          return ns === null ? v : wallClock(ns, tsScale(c));
        },
      };
    case "timestamp_ltz":
      return {
        type: "timestamp_tz",
        decode: (v) => {
          const ns = toNanos(v);
          return ns === null ? v : `${wallClock(ns, tsScale(c))}Z`;
        },
      };
    case "timestamp_tz":
      return {
        type: "timestamp_tz",
        decode: (v) => {
          const [instant = "", off] = v.trim().split(/\s+/);
          const ns = toNanos(instant);
          if (ns === null) return v;
          // The second field is the UTC offset in minutes plus 1440.
          const minutes = off !== undefined && /^\d+$/.test(off) ? Number(off) - 1440 : 0;
          return `${wallClock(ns + BigInt(minutes) * 60_000_000_000n, tsScale(c))}${offset(minutes)}`;
        },
      };
    case "variant":
      return { type: "json", decode: parseJson };
    case "object":
      return { type: "map", decode: parseJson };
    case "array":
      return { type: "array", decode: parseJson };
    case "vector":
      return { type: "array", decode: parseJson };
    case "binary":
      return { type: "binary", decode: hexToBase64 };
    case "geography":
    case "geometry":
      return { type: "other", decode: parseJson };
    default:
      return { type: "other", decode: (v) => v };
  }
}

export function columnDecoders(rowType: RowTypeEntry[]): ColumnDecoder[] {
  return rowType.map((c) => {
    const { type, decode } = decoderFor(c);
    return { name: c.name, type, nativeType: nativeType(c), decode: (v) => (v === null || v === undefined ? null : decode(v)) };
  });
}

export function decodeRows(decoders: ColumnDecoder[], rows: (string | null)[][]): unknown[][] {
  return rows.map((r) => decoders.map((d, i) => d.decode(r[i] ?? null)));
}

// INFORMATION_SCHEMA.COLUMNS.DATA_TYPE (NUMBER, TEXT, TIMESTAMP_NTZ, ...) -> portable type.
export function portableFromDataType(dataType: string, scale: number | null): PortableType {
  const t = dataType.toUpperCase();
  if (t === "NUMBER" || t === "DECIMAL" || t === "NUMERIC") return scale && scale > 0 ? "decimal" : "integer";
  if (/^(INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT)$/.test(t)) return "integer";
  if (t === "DECFLOAT") return "decimal";
  if (/^(FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL)$/.test(t)) return "float";
  if (/^(TEXT|VARCHAR|CHAR|CHARACTER|STRING)$/.test(t)) return "string";
  if (t === "BOOLEAN") return "boolean";
  if (t === "DATE") return "date";
  if (t === "TIME") return "time";
  if (t === "TIMESTAMP_NTZ" || t === "DATETIME") return "timestamp";
  if (t === "TIMESTAMP_LTZ" || t === "TIMESTAMP_TZ") return "timestamp_tz";
  if (t === "VARIANT") return "json";
  if (t === "OBJECT") return "map";
  if (t === "ARRAY" || t === "VECTOR") return "array";
  if (t === "BINARY" || t === "VARBINARY") return "binary";
  return "other";
}
