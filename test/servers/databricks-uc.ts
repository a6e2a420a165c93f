import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { CatalogDb } from "./databricks-sql";

// Unity Catalog REST 2.1 over PostgreSQL's own catalogs, plus a self-check of every response body
// against the saved OSS spec (specs/unitycatalog-all.yaml, source and licence in specs/SOURCES.md). Tests read the violations.

const CREATED_AT = 1698753600000;

export type UcError = { status: number; body: Record<string, unknown> };
export const ucError = (status: number, code: string, message: string): UcError => ({
  status,
  body: {
    error_code: code,
    message,
    // google.rpc.ErrorInfo carries reason, domain and metadata (the official SDK reads metadata).
    details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: code, domain: "unity-catalog.databricks.com", metadata: {} }],
  },
});

export async function listCatalogNames(admin: CatalogDb): Promise<Array<{ name: string; comment: string; oid: number }>> {
  const { rows } = await admin.pool.query(
    `SELECT datname AS name, oid::int AS oid, substr(shobj_description(oid, 'pg_database'), 4) AS comment
       FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE 'uc:%' ORDER BY datname`,
  );
  return rows;
}

export function catalogInfo(c: { name: string; comment: string; oid: number }) {
  const info: Record<string, unknown> = {
    name: c.name,
    owner: "account users",
    created_at: CREATED_AT,
    created_by: "admin@example.com",
    updated_at: CREATED_AT,
    id: `00000000-0000-4000-8000-${String(c.oid).padStart(12, "0")}`,
    properties: {},
  };
  if (c.comment) info.comment = c.comment;
  return info;
}

export async function listSchemaInfos(db: CatalogDb) {
  const { rows } = await db.pool.query(
    `SELECT n.nspname AS name, n.oid::int AS oid, obj_description(n.oid, 'pg_namespace') AS comment
       FROM pg_namespace n
      WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'public')
      ORDER BY n.nspname`,
  );
  return rows.map((r: { name: string; oid: number; comment: string | null }) => {
    const info: Record<string, unknown> = {
      name: r.name,
      catalog_name: db.catalog,
      full_name: `${db.catalog}.${r.name}`,
      owner: "account users",
      created_at: CREATED_AT,
      created_by: "admin@example.com",
      updated_at: CREATED_AT,
      schema_id: `00000000-0000-4000-9000-${String(r.oid).padStart(12, "0")}`,
      properties: {},
    };
    if (r.comment) info.comment = r.comment;
    return info;
  });
}

const KINDS: Record<string, string> = { r: "MANAGED", p: "MANAGED", v: "VIEW", m: "MATERIALIZED_VIEW", f: "EXTERNAL" };

// Tables of one schema (or one table), with columns unless omitted. null = schema not found.
export async function listTableInfos(
  db: CatalogDb,
  schema: string,
  opts: { table?: string; omitColumns?: boolean },
): Promise<Array<Record<string, unknown>> | null> {
  const ns = await db.pool.query("SELECT oid FROM pg_namespace WHERE nspname = $1", [schema]);
  if (!ns.rowCount) return null;
  const { rows } = await db.pool.query(
    `SELECT c.oid::int AS oid, c.relname AS name, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS comment,
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ($2::text IS NULL OR c.relname = $2)
      ORDER BY c.relname`,
    [schema, opts.table ?? null],
  );
  const out: Array<Record<string, unknown>> = [];
  for (const r of rows as Array<{ oid: number; name: string; kind: string; comment: string | null; view_definition: string | null }>) {
    const type = KINDS[r.kind] ?? "MANAGED";
    const info: Record<string, unknown> = {
      name: r.name,
      catalog_name: db.catalog,
      schema_name: schema,
      full_name: `${db.catalog}.${schema}.${r.name}`,
      table_type: type,
      owner: "account users",
      created_at: CREATED_AT,
      created_by: "admin@example.com",
      updated_at: CREATED_AT,
      updated_by: "admin@example.com",
      table_id: `00000000-0000-4000-a000-${String(r.oid).padStart(12, "0")}`,
      properties: {},
    };
    if (type === "MANAGED" || type === "EXTERNAL") {
      info.data_source_format = "DELTA";
      info.storage_location = `s3://uc-bucket/${db.catalog}/${schema}/${r.name}`;
    }
    if (r.view_definition) info.view_definition = r.view_definition.trim();
    if (r.comment) info.comment = r.comment;
    if (!opts.omitColumns) info.columns = await columnInfos(db, r.oid);
    out.push(info);
  }
  return out;
}

async function columnInfos(db: CatalogDb, relid: number) {
  const { rows } = await db.pool.query(
    `SELECT a.attname AS name, a.atttypid::int AS oid, a.atttypmod AS typmod, NOT a.attnotnull AS nullable,
            col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [relid],
  );
  const out: Array<Record<string, unknown>> = [];
  for (const [i, r] of (rows as Array<{ name: string; oid: number; typmod: number; nullable: boolean; comment: string | null }>).entries()) {
    const t = await db.describe(r.oid, r.typmod);
    const col: Record<string, unknown> = {
      name: r.name,
      type_text: t.text,
      type_name: t.name,
      type_json: JSON.stringify({ name: r.name, type: sparkType(t.text), nullable: r.nullable, metadata: r.comment ? { comment: r.comment } : {} }),
      position: i,
      nullable: r.nullable,
    };
    if (t.precision !== undefined) col.type_precision = t.precision;
    if (t.scale !== undefined) col.type_scale = t.scale;
    if (r.comment) col.comment = r.comment;
    out.push(col);
  }
  return out;
}

// Spark's JSON schema for a type (DataType.json): simple types by Spark name (long, integer, short,
// byte, decimal(10,2), string ...), nested types as objects. Input: the Spark catalog string (type_text).
const SPARK_NAMES: Record<string, string> = { bigint: "long", int: "integer", smallint: "short", tinyint: "byte" };

export function sparkType(text: string): unknown {
  let i = 0;
  const peek = () => text[i];
  const name = () => {
    const m = /^[a-z_][a-z0-9_]*(\([0-9, ]+\))?(?: day to second| year to month)?/i.exec(text.slice(i));
    if (!m) throw new Error(`unparsable Spark type: ${text}`);
    i += m[0].length;
    return m[0].toLowerCase();
  };
  const expect = (c: string) => {
    if (text[i] !== c) throw new Error(`expected ${c} in Spark type: ${text}`);
    i++;
  };
  const parse = (): unknown => {
    const n = name();
    if (n === "array") {
      expect("<");
      const elementType = parse();
      expect(">");
      return { type: "array", elementType, containsNull: true };
    }
    if (n === "map") {
      expect("<");
      const keyType = parse();
      expect(",");
      const valueType = parse();
      expect(">");
      return { type: "map", keyType, valueType, valueContainsNull: true };
    }
    if (n === "struct") {
      expect("<");
      const fields: unknown[] = [];
      while (peek() !== ">") {
        const field = /^[^:]+/.exec(text.slice(i))![0];
        i += field.length;
        expect(":");
        fields.push({ name: field, type: parse(), nullable: true, metadata: {} });
        if (peek() === ",") i++;
      }
      expect(">");
      return { type: "struct", fields };
    }
    return SPARK_NAMES[n] ?? n;
  };
  const out = parse();
  if (i !== text.length) throw new Error(`trailing text in Spark type: ${text}`);
  return out;
}

// --- paging -----------------------------------------------------------------------------------

// Opaque page tokens: an offset plus how many empty pages still to serve before it (test control).
export function encodeToken(t: { o: number; e: number }): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}
export function decodeToken(s: string): { o: number; e: number } | null {
  try {
    const t = JSON.parse(Buffer.from(s, "base64url").toString());
    return Number.isInteger(t.o) && Number.isInteger(t.e) && t.o >= 0 && t.e >= 0 ? t : null;
  } catch {
    return null;
  }
}

// One page per UC rules: max_results > 0 => min(value, server max); 0 => server max; < 0 or above
// the spec's maximum => invalid; unset => everything (legacy).
export function pageOf<T>(
  items: T[],
  q: URLSearchParams,
  opts: { specMax: number; serverMax: number; emptyPages: number },
): { page: T[]; next?: string } | UcError {
  const raw = q.get("max_results");
  let size: number;
  if (raw === null) size = Infinity;
  else {
    if (!/^-?\d+$/.test(raw)) return ucError(400, "INVALID_ARGUMENT", `Invalid value for max_results: ${raw}`);
    const n = Number(raw);
    if (n < 0) return ucError(400, "INVALID_ARGUMENT", "max_results must be greater than or equal to 0");
    if (n > opts.specMax) return ucError(400, "INVALID_ARGUMENT", `max_results must be less than or equal to ${opts.specMax}`);
    size = n === 0 ? opts.serverMax : Math.min(n, opts.serverMax);
  }
  const tokenRaw = q.get("page_token");
  let token = { o: 0, e: size === Infinity ? 0 : opts.emptyPages };
  if (tokenRaw) {
    const t = decodeToken(tokenRaw);
    if (!t) return ucError(400, "INVALID_ARGUMENT", "Invalid page token");
    token = t;
  }
  if (token.e > 0) return { page: [], next: encodeToken({ o: token.o, e: token.e - 1 }) };
  const page = items.slice(token.o, token.o + size);
  const end = token.o + page.length;
  return end < items.length ? { page, next: encodeToken({ o: end, e: 0 }) } : { page };
}

// --- spec self-check ----------------------------------------------------------------------------

type Schema = Record<string, any>;
let components: Record<string, Schema> | null = null;
export const violations: string[] = [];
export let validatedCount = 0;

function loadSpec(): Record<string, Schema> {
  if (!components) {
    const path = new URL("./specs/unitycatalog-all.yaml", import.meta.url);
    const doc = parse(readFileSync(path, "utf8"));
    components = doc.components.schemas as Record<string, Schema>;
  }
  return components;
}

function check(value: unknown, schema: Schema, path: string, out: string[]): void {
  if (schema.$ref) {
    const name = String(schema.$ref).split("/").pop()!;
    const target = loadSpec()[name];
    if (!target) return void out.push(`${path}: unresolved ${schema.$ref}`);
    return check(value, target, path, out);
  }
  if (value === null || value === undefined) {
    if (!schema.nullable) out.push(`${path}: null`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} not in enum`);
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return void out.push(`${path}: not an object`);
      const obj = value as Record<string, unknown>;
      for (const req of schema.required ?? []) if (!(req in obj)) out.push(`${path}: missing ${req}`);
      for (const [k, v] of Object.entries(obj)) {
        const prop = schema.properties?.[k];
        if (prop) check(v, prop, `${path}.${k}`, out);
        else if (schema.additionalProperties === false) out.push(`${path}: unexpected ${k}`);
        else if (typeof schema.additionalProperties === "object") check(v, schema.additionalProperties, `${path}.${k}`, out);
      }
      return;
    }
    case "array":
      if (!Array.isArray(value)) return void out.push(`${path}: not an array`);
      value.forEach((v, i) => schema.items && check(v, schema.items, `${path}[${i}]`, out));
      return;
    case "string":
      if (typeof value !== "string") out.push(`${path}: not a string`);
      return;
    case "integer":
      if (!Number.isInteger(value)) out.push(`${path}: not an integer`);
      else if (schema.format === "int32" && Math.abs(value as number) > 2 ** 31) out.push(`${path}: not int32`);
      return;
    case "number":
      if (typeof value !== "number") out.push(`${path}: not a number`);
      return;
    case "boolean":
      if (typeof value !== "boolean") out.push(`${path}: not a boolean`);
      return;
  }
}

// Records every way a response body breaks the spec's schema for it.
export function selfCheck(schemaName: string, body: unknown, where: string): void {
  validatedCount++;
  const out: string[] = [];
  try {
    check(body, { $ref: `#/components/schemas/${schemaName}` }, schemaName, out);
  } catch (err) {
    out.push(`spec not loaded: ${(err as Error).message}`);
  }
  for (const v of out) violations.push(`${where}: ${v}`);
}
