import type { CatalogInfo, Column, Page, SchemaInfo, TableInfo } from "../types";
import { ConnectorError } from "../errors";
import { portableOf } from "./pg-types";
import type { PgTransport } from "./transport";

// Catalog queries on pg_catalog: one round trip per call, keyset pagination (limit + 1 rows fetched to
// know whether a next page exists), names compared in "C" collation so cursors are stable.

type Run = { transport: PgTransport; timeoutMs: number };
const q = (r: Run, sql: string, params: unknown[]) => r.transport.query(sql, params, { readOnlyTransaction: false, timeoutMs: r.timeoutMs });

const badCursor = () => new ConnectorError("invalid_request", "The cursor is not valid for this list");

function page<T>(items: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  if (items.length <= limit) return { data: items, nextCursor: null };
  const data = items.slice(0, limit);
  return { data, nextCursor: cursorOf(data[data.length - 1]!) };
}

const SYSTEM_SCHEMA = `(n.nspname::text ~ '^pg_' OR n.nspname::text = 'information_schema')`;

export async function listCatalogs(r: Run, limit: number, cursor?: string): Promise<Page<CatalogInfo>> {
  const res = await q(
    r,
    `SELECT d.datname::text, shobj_description(d.oid, 'pg_database')
     FROM pg_database d
     WHERE NOT d.datistemplate AND d.datallowconn AND has_database_privilege(d.oid, 'CONNECT')
       AND ($1::text IS NULL OR d.datname::text COLLATE "C" > $1::text)
     ORDER BY d.datname::text COLLATE "C"
     LIMIT $2::int`,
    [cursor ?? null, limit + 1],
  );
  const items = res.rows.map(([name, comment]) => ({ name: name!, comment: comment ?? null }));
  return page(items, limit, (last) => last.name);
}

export async function listSchemas(r: Run, catalog: string, limit: number, cursor?: string): Promise<Page<SchemaInfo>> {
  const res = await q(
    r,
    `SELECT n.nspname::text, obj_description(n.oid, 'pg_namespace')
     FROM pg_namespace n
     WHERE NOT ${SYSTEM_SCHEMA} AND has_schema_privilege(n.oid, 'USAGE')
       AND ($1::text IS NULL OR n.nspname::text COLLATE "C" > $1::text)
     ORDER BY n.nspname::text COLLATE "C"
     LIMIT $2::int`,
    [cursor ?? null, limit + 1],
  );
  const items = res.rows.map(([name, comment]) => ({ name: name!, catalog, comment: comment ?? null }));
  return page(items, limit, (last) => last.name);
}

const KINDS: Record<string, TableInfo["kind"]> = {
  r: "table",
  p: "table",
  v: "view",
  m: "materialized_view",
  f: "foreign",
};

export async function listTables(
  r: Run,
  catalog: string,
  schema: string | undefined,
  limit: number,
  cursor?: string,
): Promise<Page<TableInfo>> {
  let after: [string, string] | null = null;
  if (cursor) {
    try {
      const parsed = JSON.parse(cursor);
      if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((x) => typeof x === "string")) throw badCursor();
      after = parsed as [string, string];
    } catch {
      throw badCursor();
    }
  }
  const res = await q(
    r,
    `SELECT n.nspname::text, c.relname::text, c.relkind::text, obj_description(c.oid, 'pg_class')
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
       AND (($1::text IS NULL AND NOT ${SYSTEM_SCHEMA}) OR n.nspname::text = $1::text)
       AND has_schema_privilege(n.oid, 'USAGE')
       AND ($2::text IS NULL OR (n.nspname::text COLLATE "C", c.relname::text COLLATE "C") > ($2::text, $3::text))
     ORDER BY n.nspname::text COLLATE "C", c.relname::text COLLATE "C"
     LIMIT $4::int`,
    [schema ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  const items: TableInfo[] = res.rows.map(([s, name, kind, comment]) => ({
    name: name!,
    schema: s!,
    catalog,
    kind: KINDS[kind!] ?? "other",
    comment: comment ?? null,
  }));
  return page(items, limit, (last) => JSON.stringify([last.schema, last.name]));
}

export async function listColumns(
  r: Run,
  schema: string,
  table: string,
  limit: number,
  cursor?: string,
): Promise<Page<Column>> {
  const after = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isInteger(after) || after < 0 || after > 10000) throw badCursor();
  const res = await q(
    r,
    `WITH rel AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname::text = $1::text AND c.relname::text = $2::text AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
     )
     SELECT a.attname::text, a.attnum::int::text, format_type(a.atttypid, a.atttypmod),
            COALESCE(bt.typname, ty.typname)::text, COALESCE(bt.typtype, ty.typtype)::text,
            COALESCE(bt.typcategory, ty.typcategory)::text, a.attnotnull::text, col_description(rel.oid, a.attnum)
     FROM rel
     LEFT JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > $3::int AND NOT a.attisdropped
     LEFT JOIN pg_type ty ON ty.oid = a.atttypid
     LEFT JOIN pg_type bt ON ty.typtype = 'd' AND bt.oid = ty.typbasetype
     ORDER BY a.attnum
     LIMIT $4::int`,
    [schema, table, after, limit + 1],
  );
  if (res.rows.length === 0) throw new ConnectorError("not_found", `Table ${schema}.${table} was not found`);
  const items: Column[] = res.rows
    .filter((row) => row[0] !== null)
    .map(([name, position, nativeType, typname, typtype, typcategory, notNull, comment]) => ({
      name: name!,
      position: Number(position),
      type: portableOf(typname ?? "", typtype ?? "", typcategory ?? ""),
      nativeType: nativeType ?? "unknown",
      nullable: notNull !== "true" && notNull !== "t",
      comment: comment ?? null,
    }));
  return page(items, limit, (last) => String(last.position));
}
