import type pg from "pg";
import { likeToRegExp, type RowTypeEntry, type Session, type SfFailure } from "./snowflake-sql";

// SHOW SCHEMAS / TABLES / VIEWS / COLUMNS / WAREHOUSES for the Snowflake contract server, over the
// PostgreSQL catalogs of each database. Output columns, their order and spellings follow the vendor's
// reference pages (docs.snowflake.com/en/sql-reference/sql/show-schemas, show-tables, show-views,
// show-columns, show-warehouses); these commands run in the cloud services layer, without a warehouse.
// Like Snowflake, they list only objects the role has a privilege on, ordered by database, schema and
// name; LIMIT <n> FROM '<name>' starts after that name; SHOW COLUMNS has no LIMIT and gives no position
// column (rows come in ordinal order).

export type WarehouseState = "STARTED" | "SUSPENDED" | "RESIZING";
export type Result = { rowType: RowTypeEntry[]; partitions: (string | null)[][][]; numRows: number };

type Kind = "schemas" | "tables" | "views" | "columns" | "warehouses";
type Show = {
  kind: Kind;
  terse: boolean;
  like?: string;
  scope?: string; // account | database | schema | table | view
  name?: string[];
  startsWith?: string;
  limit?: number;
  from?: string;
};

const IDENT = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const NAME = `${IDENT}(?:\\.${IDENT}){0,2}`;
const STR = `'((?:[^'\\\\]|''|\\\\.)*)'`;
const SHOW_RE = new RegExp(
  `^\\s*show\\s+(terse\\s+)?(schemas|tables|views|columns|warehouses)` +
    `(?:\\s+like\\s+${STR})?` +
    `(?:\\s+in\\s+(?:(account|database|schema|table|view)\\b\\s*)?(${NAME})?)?` +
    `(?:\\s+starts\\s+with\\s+${STR})?` +
    `(?:\\s+limit\\s+(\\d+)(?:\\s+from\\s+${STR})?)?\\s*$`,
  "i",
);
const unescape = (s: string) => s.replace(/''/g, "'").replace(/\\(.)/g, "$1");

function splitName(name: string): string[] {
  const parts: string[] = [];
  const re = new RegExp(IDENT, "y");
  let i = 0;
  while (i < name.length) {
    re.lastIndex = i;
    const m = re.exec(name);
    if (!m) break;
    const t = m[0];
    parts.push(t.startsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t.toUpperCase());
    i = re.lastIndex + 1; // skip the dot
  }
  return parts;
}

export function parseShow(sql: string): Show | null {
  const m = SHOW_RE.exec(sql);
  if (!m) return null;
  const show: Show = { kind: m[2]!.toLowerCase() as Kind, terse: !!m[1] };
  if (m[3] !== undefined) show.like = unescape(m[3]);
  if (m[4] !== undefined) show.scope = m[4].toLowerCase();
  if (m[5] !== undefined) show.name = splitName(m[5]);
  if (m[6] !== undefined) show.startsWith = unescape(m[6]);
  if (m[7] !== undefined) show.limit = Number(m[7]);
  if (m[8] !== undefined) show.from = unescape(m[8]);
  return show;
}

const CREATED_ON = "1704067200.000000000";
const col = (name: string, type = "text"): RowTypeEntry => {
  const base = { name, database: "", schema: "", table: "", scale: null, precision: null, collation: null, nullable: true };
  if (type === "timestamp_ltz") return { ...base, type, precision: 0, scale: 3, length: null, byteLength: null };
  if (type === "fixed") return { ...base, type, precision: 38, scale: 0, length: null, byteLength: null };
  return { ...base, type, length: 16777216, byteLength: 16777216 };
};
const header = (names: string[], types: Record<string, string> = {}) =>
  names.map((n) => col(n, n === "created_on" ? "timestamp_ltz" : (types[n] ?? "text")));

const failure = (code: string, sqlState: string, message: string): SfFailure => ({ code, sqlState, message });
const missing = (what: string, name: string) => failure("002003", "02000", `SQL compilation error:\n${what} '${name}' does not exist or not authorized.`);

// Rows in a listing are named; the filters apply to the object name, in order.
function filtered<T extends { name: string }>(rows: T[], show: Show): T[] {
  let out = rows;
  if (show.like !== undefined) out = out.filter((r) => likeToRegExp(show.like!).test(r.name));
  if (show.startsWith !== undefined) out = out.filter((r) => r.name.startsWith(show.startsWith!));
  if (show.from !== undefined) out = out.filter((r) => r.name > show.from!);
  if (show.limit !== undefined) out = out.slice(0, show.limit);
  return out;
}

const byKey = (...keys: string[]) => (a: Record<string, unknown>, b: Record<string, unknown>) => {
  for (const k of keys) {
    const x = String(a[k]);
    const y = String(b[k]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

type Ctx = {
  pools: Map<string, pg.Pool>;
  readerRole: string;
  databases: string[]; // the role's databases
  warehouses: Record<string, WarehouseState>;
};

function snowflakeType(typname: string, typmod: number, nullable: boolean): Record<string, unknown> {
  const digits = (d: number) => (typmod >= 0 ? typmod : d);
  switch (typname) {
    case "int2":
    case "int4":
    case "int8":
      return { type: "FIXED", precision: 38, scale: 0, nullable };
    case "numeric":
      return typmod > 0
        ? { type: "FIXED", precision: ((typmod - 4) >> 16) & 65535, scale: (typmod - 4) & 65535, nullable }
        : { type: "FIXED", precision: 38, scale: 0, nullable };
    case "float4":
    case "float8":
      return { type: "REAL", nullable };
    case "bool":
      return { type: "BOOLEAN", nullable };
    case "date":
      return { type: "DATE", nullable };
    case "time":
      return { type: "TIME", precision: 0, scale: digits(9), nullable };
    case "timestamp":
      return { type: "TIMESTAMP_NTZ", precision: 0, scale: digits(9), nullable };
    case "timestamptz":
      return { type: "TIMESTAMP_LTZ", precision: 0, scale: digits(9), nullable };
    case "TIMESTAMP_TZ":
      return { type: "TIMESTAMP_TZ", precision: 0, scale: 9, nullable };
    case "bytea":
      return { type: "BINARY", length: 8388608, byteLength: 8388608, nullable, fixed: true };
    case "VARIANT":
    case "json":
    case "jsonb":
      return { type: "VARIANT", nullable };
    case "OBJECT":
    case "ARRAY":
      return { type: typname, nullable };
    default: {
      const length = (typname === "varchar" || typname === "bpchar") && typmod > 4 ? typmod - 4 : 16777216;
      return { type: "TEXT", length, byteLength: Math.min(16777216, length * 4), nullable, fixed: false };
    }
  }
}

export async function runShow(sql: string, session: Session, ctx: Ctx): Promise<Result | SfFailure | null> {
  const show = parseShow(sql);
  if (!show) return null;
  const done = (rowType: RowTypeEntry[], rows: (string | null)[][]): Result => ({ rowType, partitions: [rows], numRows: rows.length });

  if (show.kind === "warehouses") {
    const names = header(
      ["name", "state", "type", "size", "min_cluster_count", "max_cluster_count", "started_clusters", "running", "queued", "is_default", "is_current",
        "auto_suspend", "auto_resume", "available", "provisioning", "quiescing", "other", "created_on", "resumed_on", "updated_on", "owner", "comment",
        "enable_query_acceleration", "query_acceleration_max_scale_factor", "resource_monitor", "actives", "pendings", "failed", "suspended", "uuid",
        "scaling_policy", "budget", "owner_role_type"],
      Object.fromEntries(["min_cluster_count", "max_cluster_count", "started_clusters", "running", "queued", "auto_suspend", "query_acceleration_max_scale_factor", "actives", "pendings", "failed", "suspended"].map((n) => [n, "fixed"])),
    );
    const list = filtered(Object.entries(ctx.warehouses).map(([name, state]) => ({ name, state })).sort(byKey("name")), { ...show, from: undefined, limit: undefined, startsWith: undefined });
    const rows = list.map((w) => {
      const up = w.state === "STARTED";
      return [w.name, w.state, "STANDARD", "X-Small", "1", "1", up ? "1" : "0", "0", "0", w.name === "TEST_WH" ? "Y" : "N", w.name === session.warehouse ? "Y" : "N",
        "600", "true", up ? "100" : "", "", "", "", CREATED_ON, CREATED_ON, CREATED_ON, "SYSADMIN", "", "false", "8", "null", up ? "1" : "0", "0", "0", up ? "0" : "1",
        "7001", "STANDARD", null, "ROLE"];
    });
    return done(names, rows);
  }

  // Resolve IN ... against the session's current database.
  const parts = show.name ?? [];
  let database: string | null = session.database;
  let schema: string | null = null;
  let table: string | null = null;
  const scope = show.scope ?? (parts.length === 3 ? "table" : parts.length === 2 ? "schema" : parts.length === 1 ? (show.kind === "schemas" ? "database" : "schema") : "");
  if (scope === "account") database = null;
  else if (scope === "database") database = parts[0] ?? session.database;
  else if (scope === "schema") {
    if (parts.length >= 2) [database, schema] = [parts[0]!, parts[1]!];
    else schema = parts[0] ?? session.schema;
  } else if (scope === "table" || scope === "view") {
    if (parts.length === 3) [database, schema, table] = [parts[0]!, parts[1]!, parts[2]!];
    else if (parts.length === 2) [schema, table] = [parts[0]!, parts[1]!];
    else [schema, table] = [session.schema, parts[0] ?? null];
  }
  if (scope !== "account" && !database) {
    return failure("090105", "22000", "Cannot perform SHOW. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.");
  }
  const dbs = database ? [database] : [...ctx.databases].sort();
  if (database && (!ctx.pools.has(database) || !ctx.databases.includes(database))) return missing("Database", database);

  const reader = ctx.readerRole;
  const visibleSchemas = `n.nspname = upper(n.nspname) AND n.nspname NOT LIKE 'PG\\_%' AND has_schema_privilege('${reader}', n.oid, 'USAGE')`;
  const schemaFilter = async (pool: pg.Pool, db: string): Promise<SfFailure | null> => {
    if (schema === null) return null;
    const r = await pool.query(`SELECT 1 FROM pg_namespace n WHERE n.nspname = $1 AND ${visibleSchemas}`, [schema]);
    return r.rowCount ? null : missing("Schema", `${db}.${schema}`);
  };

  if (show.kind === "schemas") {
    const names = show.terse
      ? header(["created_on", "name", "kind", "database_name", "schema_name"])
      : header(["created_on", "name", "is_default", "is_current", "database_name", "owner", "comment", "options", "retention_time", "owner_role_type", "budget"]);
    const all: { name: string; db: string; comment: string | null }[] = [];
    for (const db of dbs) {
      const r = await ctx.pools.get(db)!.query(`SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment FROM pg_namespace n WHERE ${visibleSchemas}`);
      for (const row of r.rows) all.push({ name: row.name, db, comment: row.comment });
    }
    all.sort(byKey("db", "name"));
    const rows = filtered(all, show).map((s) =>
      show.terse
        ? [CREATED_ON, s.name, null, s.db, null]
        : [CREATED_ON, s.name, "N", s.db === session.database && s.name === session.schema ? "Y" : "N", s.db, s.name === "INFORMATION_SCHEMA" ? "" : "SYSADMIN", s.comment ?? "", "", "1", s.name === "INFORMATION_SCHEMA" ? "" : "ROLE", null],
    );
    return done(names, rows);
  }

  if (show.kind === "tables" || show.kind === "views") {
    const views = show.kind === "views";
    const names = show.terse
      ? header(["created_on", "name", "kind", "database_name", "schema_name"])
      : views
        ? header(["created_on", "name", "reserved", "database_name", "schema_name", "owner", "comment", "text", "is_secure", "is_materialized", "owner_role_type", "change_tracking"])
        : header(
            ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows", "bytes", "owner", "retention_time", "automatic_clustering",
              "change_tracking", "search_optimization", "search_optimization_progress", "search_optimization_bytes", "is_external", "enable_schema_evolution",
              "owner_role_type", "is_event", "budget", "is_hybrid", "is_iceberg", "is_dynamic"],
            { rows: "fixed", bytes: "fixed", retention_time: "fixed", search_optimization_progress: "fixed", search_optimization_bytes: "fixed" },
          );
    const all: { name: string; db: string; schema: string; relkind: string; comment: string | null; def: string | null; tuples: number; bytes: number }[] = [];
    for (const db of dbs) {
      const pool = ctx.pools.get(db)!;
      const bad = await schemaFilter(pool, db);
      if (bad) return bad;
      const r = await pool.query(
        `SELECT c.relname AS name, n.nspname AS schema, c.relkind::text AS relkind, obj_description(c.oid, 'pg_class') AS comment,
                CASE WHEN c.relkind IN ('v','m') THEN pg_get_viewdef(c.oid) END AS def,
                greatest(c.reltuples, 0)::bigint AS tuples, pg_relation_size(c.oid) AS bytes
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN (${views ? "'v','m'" : "'r','p','f'"}) AND ${visibleSchemas}
            AND has_table_privilege('${reader}', c.oid, 'SELECT') ${schema !== null ? "AND n.nspname = $1" : ""}`,
        schema !== null ? [schema] : [],
      );
      for (const row of r.rows) all.push({ ...row, db, tuples: Number(row.tuples), bytes: Number(row.bytes) });
    }
    all.sort(byKey("db", "schema", "name"));
    const rows = filtered(all, show).map((t) => {
      if (show.terse) return [CREATED_ON, t.name, views ? "VIEW" : "TABLE", t.db, t.schema];
      if (views) {
        const mat = t.relkind === "m";
        const text = `CREATE ${mat ? "MATERIALIZED " : ""}VIEW ${t.name} AS ${(t.def ?? "").trim()}`;
        return [CREATED_ON, t.name, "", t.db, t.schema, t.schema === "INFORMATION_SCHEMA" ? "" : "SYSADMIN", t.comment ?? "", text, "false", mat ? "true" : "false", t.schema === "INFORMATION_SCHEMA" ? "" : "ROLE", "OFF"];
      }
      return [CREATED_ON, t.name, t.db, t.schema, "TABLE", t.comment ?? "", "", String(t.tuples), String(t.bytes), "SYSADMIN", "1", "OFF", "OFF", "OFF", null, null,
        t.relkind === "f" ? "Y" : "N", "N", "ROLE", "N", null, "N", "N", "N"];
    });
    return done(names, rows);
  }

  // SHOW COLUMNS [LIKE] IN TABLE/VIEW/SCHEMA/DATABASE
  const names = header(["table_name", "schema_name", "column_name", "data_type", "null?", "default", "kind", "expression", "comment", "database_name", "autoincrement", "schema_evolution_record"]);
  const rows: (string | null)[][] = [];
  for (const db of dbs) {
    const pool = ctx.pools.get(db)!;
    const bad = await schemaFilter(pool, db);
    if (bad) return bad;
    const r = await pool.query(
      `SELECT c.relname AS table, n.nspname AS schema, a.attname AS name, t.typname, a.atttypmod AS typmod, NOT a.attnotnull AS nullable,
              pg_get_expr(d.adbin, d.adrelid) AS def, col_description(c.oid, a.attnum) AS comment
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') AND ${visibleSchemas}
          AND has_table_privilege('${reader}', c.oid, 'SELECT')
          ${schema !== null ? "AND n.nspname = $1" : ""} ${table !== null ? "AND c.relname = $2" : ""}
        ORDER BY n.nspname, c.relname, a.attnum`,
      table !== null ? [schema, table] : schema !== null ? [schema] : [],
    );
    if (table !== null && r.rowCount === 0) return missing("Table", `${db}.${schema}.${table}`);
    for (const c of r.rows) {
      if (show.like !== undefined && !likeToRegExp(show.like).test(c.name)) continue;
      rows.push([c.table, c.schema, c.name, JSON.stringify(snowflakeType(c.typname, c.typmod, c.nullable)), c.nullable ? "true" : "false", c.def ?? "", "COLUMN", "", c.comment ?? "", db, "", null]);
    }
  }
  return done(names, rows);
}
