import pg from "pg";
import type { PgParams } from "./databricks-seed";

// The SQL side of the Databricks contract server: runs what the connector sends on the embedded
// PostgreSQL (one database per catalog) and describes results the way Databricks does.

export type DbxType = {
  name: string; // Unity Catalog type_name (LONG, DECIMAL, TIMESTAMP_NTZ, ...)
  text: string; // Spark catalog string, lower case (bigint, decimal(10,2), array<int>)
  precision?: number;
  scale?: number;
  render: (col: string) => string; // SQL that renders a value as Databricks' JSON_ARRAY string
};

type PgTypeRow = {
  oid: number;
  typname: string;
  typtype: string;
  typbasetype: number;
  typtypmod: number;
  typelem: number;
  typrelid: number;
  typcategory: string;
};

const asText = (c: string) => `(${c})::text`;
const asJson = (c: string) => `to_json(${c})::text`;

export class CatalogDb {
  readonly pool: pg.Pool;
  private types: Map<number, PgTypeRow> | null = null;
  private structs = new Map<number, Array<{ name: string; oid: number; typmod: number }>>();

  constructor(params: PgParams, readonly catalog: string) {
    // Every value comes back as PostgreSQL text (UTC, ISO dates); the server renders Databricks strings.
    this.pool = new pg.Pool({ ...params, database: catalog, max: 6, options: "-c TimeZone=UTC -c DateStyle=ISO,YMD" });
    // An idle connection dropped by the server (shutdown) is not a crash.
    this.pool.on("error", () => {});
  }

  private async loadTypes(): Promise<Map<number, PgTypeRow>> {
    if (!this.types) {
      const { rows } = await this.pool.query<PgTypeRow>(
        "SELECT oid::int, typname, typtype, typbasetype::int, typtypmod, typelem::int, typrelid::int, typcategory FROM pg_type",
      );
      this.types = new Map(rows.map((r) => [r.oid, r]));
    }
    return this.types;
  }

  async describe(oid: number, typmod: number): Promise<DbxType> {
    const types = await this.loadTypes();
    const t = types.get(oid);
    if (!t) return { name: "STRING", text: "string", render: asText };
    if (t.typtype === "d") {
      if (t.typname === "dbx_tinyint") return { name: "BYTE", text: "tinyint", render: asText };
      if (t.typname === "dbx_variant") return { name: "VARIANT", text: "variant", render: asText };
      const map = /^dbx_map_([a-z]+)_([a-z]+)$/.exec(t.typname);
      if (map) return { name: "MAP", text: `map<${map[1]},${map[2]}>`, render: asText };
      return this.describe(t.typbasetype, t.typtypmod);
    }
    if (t.typcategory === "A" && t.typelem) {
      const elem = await this.describe(t.typelem, typmod);
      return { name: "ARRAY", text: `array<${elem.text}>`, render: asJson };
    }
    if (t.typtype === "c") {
      const fields = await this.structFields(t.typrelid);
      const parts: string[] = [];
      for (const f of fields) parts.push(`${f.name}:${(await this.describe(f.oid, f.typmod)).text}`);
      return { name: "STRUCT", text: `struct<${parts.join(",")}>`, render: asJson };
    }
    switch (t.typname) {
      case "int2":
        return { name: "SHORT", text: "smallint", render: asText };
      case "int4":
        return { name: "INT", text: "int", render: asText };
      case "int8":
        return { name: "LONG", text: "bigint", render: asText };
      case "numeric": {
        const precision = typmod >= 4 ? ((typmod - 4) >> 16) & 0xffff : 38;
        const scale = typmod >= 4 ? (typmod - 4) & 0xffff : 18;
        return { name: "DECIMAL", text: `decimal(${precision},${scale})`, precision, scale, render: asText };
      }
      case "float4":
        return { name: "FLOAT", text: "float", render: asText };
      case "float8":
        return { name: "DOUBLE", text: "double", render: asText };
      case "bool":
        return { name: "BOOLEAN", text: "boolean", render: asText };
      case "date":
        return { name: "DATE", text: "date", render: asText };
      case "timestamptz":
        return {
          name: "TIMESTAMP",
          text: "timestamp",
          render: (c) => `to_char((${c}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
        };
      case "timestamp":
        return { name: "TIMESTAMP_NTZ", text: "timestamp_ntz", render: (c) => `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.MS')` };
      case "bytea":
        return { name: "BINARY", text: "binary", render: (c) => `translate(encode(${c}, 'base64'), E'\\n', '')` };
      case "interval":
        return { name: "INTERVAL", text: "interval day to second", render: asText };
      case "bpchar": {
        const n = typmod >= 4 ? typmod - 4 : 1;
        return { name: "CHAR", text: `char(${n})`, render: asText };
      }
      default:
        return { name: "STRING", text: "string", render: asText };
    }
  }

  private async structFields(relid: number) {
    let fields = this.structs.get(relid);
    if (!fields) {
      const { rows } = await this.pool.query(
        "SELECT attname AS name, atttypid::int AS oid, atttypmod AS typmod FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [relid],
      );
      fields = rows as Array<{ name: string; oid: number; typmod: number }>;
      this.structs.set(relid, fields);
    }
    return fields;
  }

  // A result column's declared type: the table column's own type (domains included) when the
  // column comes straight from a table, else the type PostgreSQL reports.
  async describeField(f: pg.FieldDef): Promise<DbxType> {
    if (f.tableID && f.columnID) {
      const { rows } = await this.pool.query(
        "SELECT atttypid::int AS oid, atttypmod AS typmod FROM pg_attribute WHERE attrelid = $1 AND attnum = $2",
        [f.tableID, f.columnID],
      );
      if (rows[0]) return this.describe(rows[0].oid, rows[0].typmod);
    }
    return this.describe(f.dataTypeID, f.dataTypeModifier);
  }
}

// Statement manifests use the SQL API's ColumnInfo type names, which have no TIMESTAMP_NTZ or
// VARIANT; type_text keeps the precise type in upper case (e.g. DECIMAL(10,2), ARRAY<INT>).
export function manifestColumn(name: string, position: number, t: DbxType) {
  const typeName = t.name === "TIMESTAMP_NTZ" ? "TIMESTAMP" : t.name === "VARIANT" ? "STRING" : t.name;
  // Upper-case type words, but not STRUCT field names (the word before a colon).
  const text = t.text.replace(/([A-Za-z_][A-Za-z0-9_]*)(\s*:)?/g, (m, word: string, colon?: string) => (colon ? m : word.toUpperCase()));
  const col: Record<string, unknown> = { name, position, type_name: typeName, type_text: text };
  if (t.precision !== undefined) col.type_precision = t.precision;
  if (t.scale !== undefined) col.type_scale = t.scale;
  return col;
}

export class SqlFailure extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
    readonly sqlState?: string,
  ) {
    super(`[${errorClass}] ${message}`);
  }
}

const PARAM_TYPES: Record<string, string> = {
  STRING: "text",
  INT: "integer",
  INTEGER: "integer",
  BIGINT: "bigint",
  SMALLINT: "smallint",
  TINYINT: "smallint",
  DOUBLE: "double precision",
  FLOAT: "real",
  BOOLEAN: "boolean",
  DATE: "date",
  TIMESTAMP: "timestamptz",
  TIMESTAMP_NTZ: "timestamp",
  BINARY: "bytea",
};

function paramCast(type: string | undefined): string {
  const t = (type ?? "STRING").trim().toUpperCase();
  const dec = /^DECIMAL\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(t);
  if (dec) return `numeric(${dec[1]},${dec[2] ?? 0})`;
  if (t === "DECIMAL") return "numeric(10,0)";
  const pgType = PARAM_TYPES[t];
  if (!pgType) throw new SqlFailure("UNSUPPORTED_DATATYPE", `Unsupported data type "${type}" for a parameter.`, "0A000");
  return pgType;
}

export type StatementParam = { name: string; value?: string | null; type?: string };

// Translates only what the connector sends: backtick identifiers, named :markers (bound as typed
// values through CAST) and a trailing semicolon. String literals and comments are left untouched.
export function translate(sql: string, params: StatementParam[]): { text: string; values: unknown[] } {
  const byName = new Map(params.map((p) => [p.name, p]));
  const order: string[] = [];
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'") {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === "\\") j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const j = sql.indexOf("\n", i);
      const end = j < 0 ? sql.length : j;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const j = sql.indexOf("*/", i + 2);
      const end = j < 0 ? sql.length : j + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (ch === "`") {
      let j = i + 1;
      let name = "";
      while (j < sql.length) {
        if (sql[j] === "`" && sql[j + 1] === "`") {
          name += "`";
          j += 2;
        } else if (sql[j] === "`") break;
        else name += sql[j++];
      }
      if (j >= sql.length) throw new SqlFailure("PARSE_SYNTAX_ERROR", "Syntax error: unclosed backquoted identifier.", "42601");
      out += `"${name.replace(/"/g, '""')}"`;
      i = j + 1;
    } else if (ch === '"') {
      // Spark reads "..." as a string literal by default.
      let j = i + 1;
      let s = "";
      while (j < sql.length && sql[j] !== '"') {
        if (sql[j] === "\\" && j + 1 < sql.length) j++;
        s += sql[j++];
      }
      out += `'${s.replace(/'/g, "''")}'`;
      i = j + 1;
    } else if (ch === ":" && sql[i + 1] === ":") {
      out += "::";
      i += 2;
    } else if (ch === ":" && /[A-Za-z_]/.test(sql[i + 1] ?? "")) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))!;
      const name = m[0];
      const p = byName.get(name);
      if (!p) throw new SqlFailure("UNBOUND_SQL_PARAMETER", `Found the unbound parameter: ${name}. Please, fix \`args\` and provide a mapping of the parameter to either a SQL literal or collection constructor functions.`, "42P02");
      let idx = order.indexOf(name);
      if (idx < 0) {
        order.push(name);
        idx = order.length - 1;
      }
      out += `CAST($${idx + 1}::text AS ${paramCast(p.type)})`;
      i += 1 + name.length;
    } else if (ch === "?") {
      throw new SqlFailure("UNBOUND_SQL_PARAMETER", "Found the unbound parameter: ?. Positional parameters denoted by a ? marker are not supported; use named parameter markers.", "42P02");
    } else {
      out += ch;
      i++;
    }
  }
  out = out.replace(/;\s*$/, "");
  return { text: out, values: order.map((n) => byName.get(n)?.value ?? null) };
}

// The catalog a statement runs in: the first `cat`.`schema`.`table` reference naming a known
// catalog, else the request's catalog.
export function catalogOf(sql: string, known: string[], fallback: string): string {
  const m = /`((?:[^`]|``)+)`\s*\.\s*`(?:[^`]|``)+`\s*\.\s*`/.exec(sql);
  const named = m?.[1]?.replace(/``/g, "`");
  return named && known.includes(named) ? named : fallback;
}

// PostgreSQL errors as Databricks error classes.
export function classify(err: unknown): SqlFailure {
  if (err instanceof SqlFailure) return err;
  const e = err as { code?: string; message?: string };
  const msg = String(e.message ?? err);
  switch (e.code) {
    case "42P01":
      return new SqlFailure("TABLE_OR_VIEW_NOT_FOUND", `The table or view cannot be found. Verify the spelling and correctness of the schema and catalog. (${msg})`, "42P01");
    case "3F000":
      return new SqlFailure("SCHEMA_NOT_FOUND", `The schema cannot be found. (${msg})`, "42704");
    case "42703":
      return new SqlFailure("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", `A column, variable, or function parameter cannot be resolved. (${msg})`, "42703");
    case "42601":
      return new SqlFailure("PARSE_SYNTAX_ERROR", `Syntax error. (${msg})`, "42601");
    case "22012":
      return new SqlFailure("DIVIDE_BY_ZERO", "Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead.", "22012");
    case "42883":
      return new SqlFailure("UNRESOLVED_ROUTINE", `Cannot resolve routine. (${msg})`, "42883");
    case "0A000":
      return new SqlFailure("FEATURE_NOT_SUPPORTED", msg, "0A000");
    default:
      return new SqlFailure("INTERNAL_ERROR", msg, e.code ?? "XX000");
  }
}

export type Executed = {
  columns: Array<Record<string, unknown>>;
  rows: Array<Array<string | null>>;
  truncated: boolean;
};

const WRAPPABLE = /^\s*(\(|select\b|with\b|values\b|table\b)/i;

// Runs one statement: result columns described as Databricks does, values rendered as its strings.
export async function execute(
  db: CatalogDb,
  sql: string,
  params: StatementParam[],
  opts: { schema?: string; rowLimit?: number; onBackend?: (pid: number) => void },
): Promise<Executed> {
  const { text, values } = translate(sql, params);
  const client = await db.pool.connect();
  try {
    const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
    opts.onBackend?.(pid);
    await client.query(`SET search_path TO ${opts.schema ? `"${opts.schema.replace(/"/g, '""')}"` : '"default"'}`);
    const raw = { text: "", values, rowMode: "array" as const, types: { getTypeParser: () => (v: string) => v } };
    if (!WRAPPABLE.test(text.replace(/^\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/)*/g, ""))) {
      const res = await client.query({ ...raw, text });
      const fields = res.fields ?? [];
      const columns = await Promise.all(fields.map(async (f, i) => manifestColumn(f.name, i, await db.describeField(f))));
      const rows = (res.rows as Array<Array<string | null>>) ?? [];
      return { columns, rows, truncated: false };
    }
    const probe = await client.query({ ...raw, text: `SELECT * FROM (${text}\n) AS _q LIMIT 0` });
    const types = await Promise.all(probe.fields.map((f) => db.describeField(f)));
    const aliases = probe.fields.map((_, i) => `c${i}`);
    const select = types.length ? types.map((t, i) => t.render(`_q.c${i}`)).join(", ") : "1";
    const limit = opts.rowLimit !== undefined ? ` LIMIT ${opts.rowLimit + 1}` : "";
    const res = await client.query({
      ...raw,
      text: `SELECT ${select} FROM (${text}\n) AS _q${aliases.length ? `(${aliases.join(", ")})` : ""}${limit}`,
    });
    let rows = (res.rows as Array<Array<string | null>>).map((r) => (types.length ? r : []));
    let truncated = false;
    if (opts.rowLimit !== undefined && rows.length > opts.rowLimit) {
      rows = rows.slice(0, opts.rowLimit);
      truncated = true;
    }
    const columns = probe.fields.map((f, i) => manifestColumn(f.name, i, types[i]!));
    return { columns, rows, truncated };
  } finally {
    client.release();
  }
}
