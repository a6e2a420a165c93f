import type pg from "pg";

// Turns the few Snowflake statement forms the connector (and the tests) send into PostgreSQL, and
// PostgreSQL results and errors back into Snowflake's jsonv2 shapes.
//  - Unquoted identifiers resolve to uppercase (Snowflake), so they are quoted uppercase for PG.
//  - "DB".SCHEMA.TABLE names select the PostgreSQL database and lose their database part.
//  - CURRENT_ROLE() and friends become literals from the session; `?` binds become $n.

export type Token = { kind: "ws" | "comment" | "string" | "qident" | "word" | "number" | "param" | "punct"; text: string };

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\s+/.exec(rest))) out.push({ kind: "ws", text: m[0] });
    else if ((m = /^(--|\/\/)[^\n]*/.exec(rest))) out.push({ kind: "comment", text: m[0] });
    else if (rest.startsWith("/*")) {
      const end = sql.indexOf("*/", i + 2);
      out.push({ kind: "comment", text: end < 0 ? rest : sql.slice(i, end + 2) });
    } else if (c === "'") {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === "\\") j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      out.push({ kind: "string", text: sql.slice(i, j + 1) });
    } else if (c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      out.push({ kind: "qident", text: sql.slice(i, j + 1) });
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest))) out.push({ kind: "word", text: m[0] });
    else if ((m = /^\d+(\.\d*)?([eE][+-]?\d+)?/.exec(rest))) out.push({ kind: "number", text: m[0] });
    else if (c === "?") out.push({ kind: "param", text: "?" });
    else if ((m = /^(::|<>|<=|>=|!=|\|\|)/.exec(rest))) out.push({ kind: "punct", text: m[0] });
    else out.push({ kind: "punct", text: c });
    i += out[out.length - 1]!.text.length;
  }
  return out;
}

// Top-level statements (split at `;` outside quotes and comments), empty ones dropped.
export function splitStatements(sql: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (const t of tokenize(sql)) {
    if (t.kind === "punct" && t.text === ";") {
      parts.push(cur);
      cur = "";
    } else cur += t.text;
  }
  parts.push(cur);
  return parts.filter((p) => tokenize(p).some((t) => t.kind !== "ws" && t.kind !== "comment"));
}

const KEYWORDS = new Set(
  (
    "select from where and or not null is in like ilike as order by asc desc limit offset group having distinct true false " +
    "case when then else end cast join inner left right full outer cross on using union all except intersect exists between " +
    "with nulls first last any some escape values over partition rows range preceding following unbounded current row " +
    "interval fetch next only lateral filter within date time timestamp similar to"
  ).split(" "),
);
const PG_TYPES: Record<string, string> = {
  number: "numeric", decimal: "numeric", numeric: "numeric", int: "numeric", integer: "numeric", bigint: "numeric",
  float: "float8", double: "float8", real: "float8", varchar: "text", string: "text", text: "text", char: "text",
  boolean: "boolean", date: "date", time: "time", timestamp_ntz: "timestamp", timestamp: "timestamp", datetime: "timestamp",
  timestamp_ltz: "timestamptz", variant: "jsonb", object: "jsonb", array: "jsonb", binary: "bytea",
};

export type Session = {
  user: string;
  role: string;
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  account: string;
};

export type Translated = { database: string | null; databases: string[]; sql: string; params: number; usesTables: boolean };

const unquote = (t: Token) => (t.kind === "qident" ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toUpperCase());
const isIdent = (t: Token | undefined) => !!t && (t.kind === "qident" || (t.kind === "word" && !KEYWORDS.has(t.text.toLowerCase())));
const lit = (v: string | null) => (v === null ? "NULL::text" : `'${v.replace(/'/g, "''")}'::text`);

export function translate(sql: string, s: Session): Translated {
  const toks = tokenize(sql).filter((t) => t.kind !== "comment");
  const sig = (from: number) => {
    let j = from;
    while (toks[j]?.kind === "ws") j++;
    return j;
  };
  const out: string[] = [];
  const databases = new Set<string>();
  let params = 0;
  let usesTables = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind === "word" && t.text.toLowerCase() === "from") usesTables = true;
    // Three-part name: database.schema.object -> remember the database, drop it.
    if (isIdent(t) && toks[i - 1]?.text !== "." && toks[i + 1]?.text === "." && isIdent(toks[i + 2]) && toks[i + 3]?.text === "." && isIdent(toks[i + 4])) {
      databases.add(unquote(t));
      i += 1; // skip the dot; the schema is next
      continue;
    }
    if (t.kind === "word") {
      const lower = t.text.toLowerCase();
      const next = toks[sig(i + 1)];
      const prev = out.length ? out[out.length - 1] : "";
      if (next?.text === "(") {
        const close = toks[sig(sig(i + 1) + 1)];
        const session: Record<string, string | null> = {
          current_version: "9.99.0",
          current_user: s.user,
          current_role: s.role,
          current_warehouse: s.warehouse,
          current_database: s.database,
          current_schema: s.database ? s.schema : null,
          current_account: s.account,
          current_region: "AWS_US_EAST_1",
        };
        if (lower in session && close?.text === ")") {
          out.push(lit(session[lower]!));
          i = sig(sig(i + 1) + 1);
          continue;
        }
        out.push(t.text);
        continue;
      }
      if (prev === "::") {
        out.push(PG_TYPES[lower] ?? t.text);
        continue;
      }
      if (KEYWORDS.has(lower)) {
        out.push(t.text);
        continue;
      }
      out.push(`"${t.text.toUpperCase()}"`);
      continue;
    }
    if (t.kind === "param") {
      out.push(`$${++params}`);
      continue;
    }
    if (t.kind === "string" && t.text.includes("\\")) {
      out.push(`E${t.text}`);
      continue;
    }
    out.push(t.text);
  }
  const dbs = [...databases];
  return { database: dbs[0] ?? s.database, databases: dbs, sql: out.join(""), params, usesTables };
}

// SHOW [TERSE] DATABASES [LIKE '<p>'] [STARTS WITH '<s>'] [LIMIT <n> [FROM '<name>']]
export type ShowDatabases = { like?: string; startsWith?: string; limit?: number; from?: string };
const STR = `'((?:[^'\\\\]|''|\\\\.)*)'`;
const SHOW_RE = new RegExp(
  `^\\s*show\\s+(?:terse\\s+)?databases(?:\\s+like\\s+${STR})?(?:\\s+starts\\s+with\\s+${STR})?(?:\\s+limit\\s+(\\d+)(?:\\s+from\\s+${STR})?)?\\s*$`,
  "i",
);
const unescape = (s: string) => s.replace(/''/g, "'").replace(/\\(.)/g, "$1");

export function parseShowDatabases(sql: string): ShowDatabases | null {
  const m = SHOW_RE.exec(sql);
  if (!m) return null;
  const r: ShowDatabases = {};
  if (m[1] !== undefined) r.like = unescape(m[1]);
  if (m[2] !== undefined) r.startsWith = unescape(m[2]);
  if (m[3] !== undefined) r.limit = Number(m[3]);
  if (m[4] !== undefined) r.from = unescape(m[4]);
  return r;
}

export function likeToRegExp(pattern: string): RegExp {
  let re = "";
  for (const ch of pattern) re += ch === "%" ? ".*" : ch === "_" ? "." : ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${re}$`, "i");
}

// ---- result encoding --------------------------------------------------------------------------

export type RowTypeEntry = {
  name: string;
  database: string;
  schema: string;
  table: string;
  type: string;
  scale: number | null;
  precision: number | null;
  length: number | null;
  byteLength: number | null;
  nullable: boolean;
  collation: string | null;
};

export type ColumnInfo = { typname: string; typmod: number; notNull: boolean; table: string; schema: string };

const pad = (n: number | bigint, w: number) => String(n).padStart(w, "0");

function epochDays(y: number, m: number, d: number): number {
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

// "sec.fffffffff" from a total nanosecond count.
function secText(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  return `${neg ? "-" : ""}${a / 1_000_000_000n}.${pad(a % 1_000_000_000n, 9)}`;
}

function fracNs(frac: string | undefined): bigint {
  return BigInt((frac ?? "").padEnd(9, "0").slice(0, 9) || "0");
}

function wallNs(date: string, time: string): bigint {
  const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
  const [hh, mi, ssf] = time.split(":") as [string, string, string];
  const [ss, frac] = ssf.split(".");
  const secs = BigInt(epochDays(y, mo, d)) * 86400n + BigInt(Number(hh) * 3600 + Number(mi) * 60 + Number(ss));
  return secs * 1_000_000_000n + fracNs(frac);
}

const TS_RE = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-])(\d\d)(?::?(\d\d))?(?::\d\d)?)?$/;

export type Encoder = { entry: Omit<RowTypeEntry, "name" | "database" | "schema" | "table" | "nullable">; encode: (v: string) => string };

export function encoderFor(typname: string, typmod: number, values: (string | null)[]): Encoder {
  const none = { scale: null, precision: null, length: null, byteLength: null, collation: null };
  switch (typname) {
    case "int2":
    case "int4":
    case "int8":
    case "oid":
      return { entry: { ...none, type: "fixed", precision: 38, scale: 0 }, encode: (v) => v };
    case "numeric": {
      if (typmod > 0) {
        return { entry: { ...none, type: "fixed", precision: ((typmod - 4) >> 16) & 65535, scale: (typmod - 4) & 65535 }, encode: (v) => v };
      }
      const scale = Math.min(37, Math.max(0, ...values.map((v) => (v && v.includes(".") ? v.split(".")[1]!.length : 0))));
      return {
        entry: { ...none, type: "fixed", precision: 38, scale },
        encode: (v) => {
          if (scale === 0) return v;
          const [i, f = ""] = v.split(".");
          return `${i}.${f.padEnd(scale, "0")}`;
        },
      };
    }
    case "float4":
    case "float8":
      return { entry: { ...none, type: "real" }, encode: (v) => (v === "Infinity" ? "inf" : v === "-Infinity" ? "-inf" : v) };
    case "bool":
      return { entry: { ...none, type: "boolean" }, encode: (v) => (v === "t" ? "true" : "false") };
    case "date":
      return {
        entry: { ...none, type: "date" },
        encode: (v) => {
          const [y, m, d] = v.split("-").map(Number) as [number, number, number];
          return String(epochDays(y, m, d));
        },
      };
    case "time":
      return { entry: { ...none, type: "time", precision: 0, scale: 9 }, encode: (v) => secText(wallNs("1970-01-01", v)) };
    case "timestamp":
    case "timestamptz":
    case "TIMESTAMP_TZ": {
      const type = typname === "timestamp" ? "timestamp_ntz" : typname === "timestamptz" ? "timestamp_ltz" : "timestamp_tz";
      return {
        entry: { ...none, type, precision: 0, scale: 9 },
        encode: (v) => {
          const m = TS_RE.exec(v);
          if (!m) return v;
          const local = wallNs(m[1]!, m[2]!);
          const offMin = m[3] ? (m[3] === "-" ? -1 : 1) * (Number(m[4]) * 60 + Number(m[5] ?? 0)) : 0;
          const utc = local - BigInt(offMin) * 60_000_000_000n;
          return type === "timestamp_tz" ? `${secText(utc)} ${offMin + 1440}` : secText(type === "timestamp_ntz" ? local : utc);
        },
      };
    }
    case "bytea":
      return {
        entry: { ...none, type: "binary", length: 8388608, byteLength: 8388608 },
        encode: (v) => (v.startsWith("\\x") ? v.slice(2).toUpperCase() : v),
      };
    case "json":
    case "jsonb":
    case "VARIANT":
      return { entry: { ...none, type: "variant" }, encode: (v) => v };
    case "OBJECT":
      return { entry: { ...none, type: "object" }, encode: (v) => v };
    case "ARRAY":
      return { entry: { ...none, type: "array" }, encode: (v) => v };
    default: {
      const length = (typname === "varchar" || typname === "bpchar") && typmod > 0 ? typmod - 4 : 16777216;
      return { entry: { ...none, type: "text", length, byteLength: Math.min(16777216, length * 4) }, encode: (v) => v };
    }
  }
}

export function pgTypeLookup(client: pg.PoolClient) {
  return async (fields: pg.FieldDef[]): Promise<Map<string, ColumnInfo>> => {
    const keys = fields.filter((f) => f.tableID).map((f) => `(${f.tableID},${f.columnID})`);
    const out = new Map<string, ColumnInfo>();
    if (!keys.length) return out;
    const r = await client.query(
      `SELECT a.attrelid, a.attnum, t.typname, a.atttypmod, a.attnotnull, c.relname, n.nspname
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE (a.attrelid, a.attnum) IN (${keys.join(",")})`,
    );
    for (const row of r.rows) {
      out.set(`${row.attrelid}:${row.attnum}`, { typname: row.typname, typmod: row.atttypmod, notNull: row.attnotnull, table: row.relname, schema: row.nspname });
    }
    return out;
  };
}

// ---- errors -----------------------------------------------------------------------------------

export type SfFailure = { code: string; sqlState: string; message: string };

export function pgErrorToSnowflake(err: { code?: string; message?: string; position?: string }, database: string | null): SfFailure {
  const msg = err.message ?? "error";
  const pos = err.position ? Number(err.position) - 1 : 0;
  const quoted = /"([^"]+)"/.exec(msg)?.[1] ?? "";
  switch (err.code) {
    case "42P01":
      return { code: "002003", sqlState: "42S02", message: `SQL compilation error:\nObject '${[database, quoted].filter(Boolean).join(".")}' does not exist or not authorized.` };
    case "3F000":
      return { code: "002003", sqlState: "02000", message: `SQL compilation error:\nSchema '${[database, quoted].filter(Boolean).join(".")}' does not exist or not authorized.` };
    case "42703":
      return { code: "000904", sqlState: "42000", message: `SQL compilation error: error line 1 at position ${pos}\ninvalid identifier '${quoted}'` };
    case "42601":
      return { code: "001003", sqlState: "42000", message: `SQL compilation error:\nsyntax error line 1 at position ${pos} unexpected '${/at or near "([^"]*)"/.exec(msg)?.[1] ?? ""}'.` };
    case "42883":
      return { code: "002140", sqlState: "42601", message: `SQL compilation error:\nUnknown function ${/function ([\w.]+)\(/.exec(msg)?.[1]?.toUpperCase() ?? ""}` };
    case "42501":
      return { code: "003001", sqlState: "42501", message: `SQL access control error:\nInsufficient privileges to operate on table '${/table (\S+)/.exec(msg)?.[1] ?? quoted}'` };
    case "57014":
      return { code: "000630", sqlState: "57014", message: "Statement reached its statement or warehouse timeout and was canceled." };
    case "22012":
      return { code: "100051", sqlState: "22012", message: "Division by zero" };
    case "25006":
      return { code: "000002", sqlState: "0A000", message: "Unsupported feature: this contract server runs read-only statements only." };
    default:
      return { code: "000603", sqlState: err.code ?? "XX000", message: `SQL execution error: ${msg}` };
  }
}
