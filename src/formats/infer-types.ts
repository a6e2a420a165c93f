import type { Column, PortableType } from "../connectors/types";
import { spreadsheetDate } from "./spreadsheet-dates";
import { ExactNumber } from "./values";

// Type inference from sampled text values (CSV) and parsed JSON values. A column's type is the
// narrowest type every non-empty sampled value fits; empty or missing values only make it nullable.

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.\d*|\.\d+)$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+$|^[+-]?(?:inf|infinity|nan)$/i;
const BOOLEAN = /^(?:true|false)$/i;
const DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;
const CLOCK = "(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?";
const ISO_DAY = "\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])";
const TIMESTAMP = new RegExp(`^${ISO_DAY}[T ]${CLOCK}$`);
// offsets as ISO-8601 and DuckDB/PostgreSQL write them: Z, +05:30, +0530, +00
const TIMESTAMP_TZ = new RegExp(`^${ISO_DAY}[T ]${CLOCK} ?(?:Z|UTC|[+-](?:[01]\\d|2[0-3])(?::?[0-5]\\d)?)$`, "i");
const TIME = new RegExp(`^${CLOCK}$`);
export type Inferred = PortableType | null; // null: no value seen yet

// The type of one text value; null for empty.
export function textType(raw: string): Inferred {
  const s = raw.trim();
  if (s === "") return null;
  if (INTEGER.test(s)) return "integer";
  if (DECIMAL.test(s)) return "decimal";
  if (FLOAT.test(s)) return "float";
  if (BOOLEAN.test(s)) return "boolean";
  if (DATE.test(s)) return "date";
  if (TIMESTAMP.test(s)) return "timestamp";
  if (TIMESTAMP_TZ.test(s)) return "timestamp_tz";
  if (TIME.test(s)) return "time";
  const sheet = spreadsheetDate(s);
  if (sheet) return sheet.time ? "timestamp" : "date";
  return "string";
}

// The type of one parsed JSON value; null for null/undefined.
export function jsonType(v: unknown): Inferred {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? "integer" : "float";
  if (v instanceof ExactNumber) return v.isInteger ? "integer" : "decimal";
  if (typeof v === "string") {
    if (DATE.test(v)) return "date";
    if (TIMESTAMP.test(v)) return "timestamp";
    if (TIMESTAMP_TZ.test(v)) return "timestamp_tz";
    return "string";
  }
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "struct";
  return "other";
}

const NUMERIC: PortableType[] = ["integer", "decimal", "float"];

export function mergeTypes(a: Inferred, b: Inferred): Inferred {
  if (a === null) return b;
  if (b === null || a === b) return a;
  if (NUMERIC.includes(a) && NUMERIC.includes(b)) {
    return a === "float" || b === "float" ? "float" : "decimal";
  }
  const temporal = new Set([a, b]);
  if (temporal.size === 2 && temporal.has("date") && temporal.has("timestamp")) return "timestamp";
  if (temporal.has("date") && temporal.has("timestamp_tz")) return "timestamp_tz";
  if ((a === "array" || a === "struct" || b === "array" || b === "struct") && a !== "string" && b !== "string") return "json";
  return "string";
}

export type ColumnStats = { name: string; type: Inferred; nullable: boolean };

// Accumulates types over sampled rows.
export class TypeAccumulator {
  readonly columns: ColumnStats[] = [];
  private readonly index = new Map<string, number>();
  private rows = 0;

  constructor(names: string[] = []) {
    for (const n of names) this.column(n);
  }

  private column(name: string): ColumnStats {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.columns.length;
      this.index.set(name, i);
      // a column first seen after some rows was missing from them
      this.columns.push({ name, type: null, nullable: this.rows > 0 });
    }
    return this.columns[i]!;
  }

  addText(values: string[]) {
    this.columns.forEach((c, i) => {
      const v = values[i];
      const t = v === undefined ? null : textType(v);
      if (t === null) c.nullable = true;
      else c.type = mergeTypes(c.type, t);
    });
    this.rows++;
  }

  addObject(record: Record<string, unknown>) {
    const seen = new Set<string>();
    for (const [k, v] of Object.entries(record)) {
      const c = this.column(k);
      seen.add(k);
      const t = jsonType(v);
      if (t === null) c.nullable = true;
      else c.type = mergeTypes(c.type, t);
    }
    for (const c of this.columns) if (!seen.has(c.name)) c.nullable = true;
    this.rows++;
  }

  get rowCount() {
    return this.rows;
  }

  toColumns(nativeFor: (type: PortableType) => string = (t) => t): Column[] {
    return this.columns.map((c, i) => {
      const type: PortableType = c.type ?? "string";
      return { name: c.name, position: i + 1, type, nativeType: nativeFor(type), nullable: c.nullable || c.type === null };
    });
  }
}
