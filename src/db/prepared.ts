import { getTableColumns, type InferSelectModel, type Placeholder } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

// Hot reads without drizzle's per-request work: drizzle builds the SQL once, from the schema, with
// named placeholders (sql.placeholder); a request only binds values. Rows are decoded by the
// schema's own column decoders (names mapped back, JSON columns parsed), as drizzle maps them.

// toSQL() needs no connection: this handle only builds queries, it never runs one.
export const queryBuilder = drizzle({} as D1Database);

export type Statement<P extends string> = { sql: string; params: P[] };

export function statement<P extends string>(query: { toSQL(): { sql: string; params: unknown[] } }): Statement<P> {
  const { sql, params } = query.toSQL();
  return {
    sql,
    params: params.map((p) => {
      const name = (p as Placeholder | undefined)?.name;
      if (typeof name !== "string") throw new Error(`every parameter of a prepared statement must be a placeholder: ${sql}`);
      return name as P;
    }),
  };
}

export function bindStatement<P extends string>(db: D1Database | D1DatabaseSession, s: Statement<P>, values: Record<P, unknown>): D1PreparedStatement {
  return db.prepare(s.sql).bind(...s.params.map((p) => values[p]));
}

// A D1 result row (keyed by column name) as the table's select model.
export function rowDecoder<T extends SQLiteTable>(table: T): (row: Record<string, unknown>) => InferSelectModel<T> {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: column.name, column }));
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const { key, name, column } of columns) {
      const value = row[name];
      out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return out as InferSelectModel<T>;
  };
}
