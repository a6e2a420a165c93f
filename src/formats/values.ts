import { isInteger, isSafeNumber, LosslessNumber, parse as parseLossless } from "lossless-json";
import { spreadsheetDate } from "./spreadsheet-dates";

// The one value-conversion table of every file format (the README's "Values" table): 64-bit integers
// and decimals as exact strings, dates/times/timestamps as ISO-8601 text, intervals as ISO-8601
// durations, binary as base64, non-finite floats as strings; nested arrays and objects alike.

export function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// 16 bytes as the usual 8-4-4-4-12 lower-case hex form.
export function uuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// ---- exact numbers ------------------------------------------------------------------------------

// An unscaled integer and a scale as decimal text with exactly `scale` fraction digits.
export function scaledDecimal(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

// A JSON number that a double cannot hold exactly keeps its source text: it reaches the API as a
// string (integers beyond 2^53, decimals with more digits than a double has).
export class ExactNumber {
  constructor(readonly text: string) {}
  get isInteger() {
    return isInteger(this.text);
  }
}

function numberFromText(text: string): number | ExactNumber {
  if (isSafeNumber(text)) return Number(text);
  // "1.50" or "1e3" are exact as doubles even though their text differs
  const n = Number(text);
  if (!isInteger(text) && Number.isFinite(n) && !/[eE]/.test(text) && stripZeros(String(n)) === stripZeros(text)) return n;
  return new ExactNumber(text);
}
const stripZeros = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s).replace(/^(-?)0+(?=\d)/, "$1");

// JSON.parse, except that numbers are read from their source text (never rounded through a double).
export function exactJsonValue(text: string): unknown {
  return parseLossless(text, null, numberFromText);
}

// ---- dates and times ----------------------------------------------------------------------------

const DAY_MS = 86_400_000;

// Days since 1970-01-01 as YYYY-MM-DD (years beyond 9999 as +YYYYYY, as ISO-8601 extends them).
export function isoDate(days: number): string {
  const iso = new Date(days * DAY_MS).toISOString();
  return iso.slice(0, iso.indexOf("T"));
}

function fraction(units: bigint, perSecond: bigint): string {
  if (units === 0n) return "";
  const digits = String(perSecond).length - 1;
  return `.${units.toString().padStart(digits, "0").replace(/0+$/, "")}`;
}

// An instant (UTC-adjusted: ends in Z) or a wall-clock timestamp (no zone) from units since the
// epoch, keeping every sub-second digit the unit has.
export function isoInstant(units: bigint, perSecond: bigint, utc: boolean): string {
  let seconds = units / perSecond;
  let frac = units % perSecond;
  if (frac < 0n) {
    frac += perSecond;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, iso.length - 5)}${fraction(frac, perSecond)}${utc ? "Z" : ""}`;
}

// A time of day from units since midnight: HH:MM:SS[.fraction], with Z when UTC-adjusted.
export function isoTime(units: bigint, perSecond: bigint, utc: boolean): string {
  const seconds = units / perSecond;
  const pad = (n: bigint) => n.toString().padStart(2, "0");
  const hh = seconds / 3600n; // 24:00:00 (end of day) is kept as written
  return `${pad(hh)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}${fraction(units % perSecond, perSecond)}${utc ? "Z" : ""}`;
}

// An interval of months, days and microseconds as an ISO-8601 duration: the three parts stay
// separate (a month is not a number of days), e.g. P1Y2M3DT4H5M6.5S; the empty interval is PT0S.
export function isoDuration(months: number, days: number, micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const h = abs / 3_600_000_000n;
  const m = (abs / 60_000_000n) % 60n;
  const s = abs % 60_000_000n;
  const sign = negative ? "-" : "";
  let date = "";
  const y = Math.trunc(months / 12);
  const mo = months % 12;
  if (y) date += `${y}Y`;
  if (mo) date += `${mo}M`;
  if (days) date += `${days}D`;
  let time = "";
  if (h) time += `${sign}${h}H`;
  if (m) time += `${sign}${m}M`;
  if (s) time += `${sign}${s / 1_000_000n}${fraction(s % 1_000_000n, 1_000_000n)}S`;
  if (!date && !time) return "PT0S";
  return `P${date}${time ? `T${time}` : ""}`;
}

// ---- JSON-safe ----------------------------------------------------------------------------------

export function jsonSafe(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
      return Number.isFinite(v) ? v : String(v);
    case "string":
    case "boolean":
      return v;
    case "object":
      break;
    default:
      return String(v);
  }
  if (v instanceof ExactNumber) return v.text;
  if (v instanceof LosslessNumber) return v.value;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return base64(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => jsonSafe(x));
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonSafe(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = jsonSafe(x);
  return out;
}

// A typed value from CSV text for a column of the given inferred type.
export function fromText(raw: string | undefined, type: string): unknown {
  if (raw === undefined) return null;
  const s = raw.trim();
  if (s === "") return null;
  switch (type) {
    case "integer": {
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : s.replace(/^\+/, "");
    }
    case "float": {
      const n = Number(s);
      return Number.isFinite(n) ? n : s;
    }
    case "boolean":
      return s.toLowerCase() === "true";
    case "date":
    case "timestamp":
      return spreadsheetDate(s)?.iso ?? s; // 1/15/2024 as 2024-01-15; ISO text as written
    default:
      return type === "string" ? raw : s; // decimals, times and timestamps keep their exact text
  }
}
