import { ConnectorError } from "../errors";
import type { CatalogInfo, Column, ConnectorContext, Page, PageRequest, RowSet, SchemaInfo, TableInfo, TableRef } from "../types";
import { assertReadOnly, quoteIdent, quoteLiteral } from "../../sql/readonly";
import type { Binding, SnowflakeClient } from "./client";
import type { SnowflakeConfig } from "./config";
import { columnDecoders, decodeRows, portableFromDataType } from "./decode";

// Catalogs are databases (SHOW DATABASES), then schemas, tables and columns from the database's
// INFORMATION_SCHEMA with bind variables; every list is keyset-paginated on its sort key.

const qi = (s: string) => quoteIdent(s, "snowflake");
const text = (value: string): Binding => ({ type: "TEXT", value });
const fixed = (value: number): Binding => ({ type: "FIXED", value: String(value) });

type Raw = Record<string, string | null>;

export class SnowflakeIntrospection {
  constructor(
    private readonly client: SnowflakeClient,
    private readonly config: SnowflakeConfig,
    private readonly ctx: ConnectorContext,
  ) {}

  private get metaTimeout() {
    return this.ctx.limits.statementTimeoutMs;
  }

  private async rows(sql: string, bindings: Binding[] = [], maxRows = 10001): Promise<Raw[]> {
    const r = await this.client.execute(sql, { bindings, timeoutMs: this.metaTimeout, maxRows });
    const names = r.rowType.map((c) => c.name);
    return r.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])));
  }

  private database(catalog: string | undefined): string {
    const db = catalog ?? this.config.database;
    if (!db) throw new ConnectorError("invalid_request", "Name a Snowflake database (catalog), or set `database` in the connection config.");
    return db;
  }

  private cursor<T>(cursor: string | undefined, arity: number): T[] | null {
    if (!cursor) return null;
    try {
      const v = JSON.parse(cursor);
      if (Array.isArray(v) && v.length === arity && v.every((x) => typeof x === "string")) return v as T[];
    } catch {
      // fall through
    }
    throw new ConnectorError("invalid_request", "The cursor is not valid for this list.");
  }

  async listCatalogs(page: PageRequest): Promise<Page<CatalogInfo>> {
    const [after] = this.cursor<string>(page.cursor, 1) ?? [];
    // FROM '<name>' starts the listing at that name; ask for two extra rows and filter, so the page
    // is right whether the server includes the cursor name or not.
    const sql = `SHOW DATABASES LIMIT ${page.limit + 2}${after !== undefined ? ` FROM ${quoteLiteral(after, "snowflake")}` : ""}`;
    const rows = (await this.rows(sql))
      .filter((r) => r.name !== null && (after === undefined || r.name! > after))
      .sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
    const data = rows.slice(0, page.limit).map((r) => ({ name: r.name!, comment: r.comment || null }));
    const more = rows.length > page.limit;
    return { data, nextCursor: more ? JSON.stringify([data[data.length - 1]!.name]) : null };
  }

  async listSchemas(args: { catalog?: string }, page: PageRequest): Promise<Page<SchemaInfo>> {
    const db = this.database(args.catalog);
    const [after = ""] = this.cursor<string>(page.cursor, 1) ?? [];
    const rows = await this.rows(
      `SELECT "SCHEMA_NAME", "COMMENT" FROM ${qi(db)}."INFORMATION_SCHEMA"."SCHEMATA" ` +
        `WHERE "SCHEMA_NAME" <> 'INFORMATION_SCHEMA' AND "SCHEMA_NAME" > ? ORDER BY "SCHEMA_NAME" LIMIT ?`,
      [text(after), fixed(page.limit + 1)],
    );
    const data = rows.slice(0, page.limit).map((r) => ({ name: r.SCHEMA_NAME!, catalog: db, comment: r.COMMENT || null }));
    return { data, nextCursor: rows.length > page.limit ? JSON.stringify([data[data.length - 1]!.name]) : null };
  }

  async listTables(args: { catalog?: string; schema?: string }, page: PageRequest): Promise<Page<TableInfo>> {
    const db = this.database(args.catalog);
    const schema = args.schema;
    const cur = this.cursor<string>(page.cursor, 2);
    const bindings: Binding[] = [];
    let where = `"TABLE_SCHEMA" <> 'INFORMATION_SCHEMA'`;
    if (schema !== undefined) {
      where += ` AND "TABLE_SCHEMA" = ?`;
      bindings.push(text(schema));
    }
    if (cur) {
      where += ` AND ("TABLE_SCHEMA" > ? OR ("TABLE_SCHEMA" = ? AND "TABLE_NAME" > ?))`;
      bindings.push(text(cur[0]!), text(cur[0]!), text(cur[1]!));
    }
    bindings.push(fixed(page.limit + 1));
    const rows = await this.rows(
      `SELECT "TABLE_SCHEMA", "TABLE_NAME", "TABLE_TYPE", "COMMENT" FROM ${qi(db)}."INFORMATION_SCHEMA"."TABLES" ` +
        `WHERE ${where} ORDER BY "TABLE_SCHEMA", "TABLE_NAME" LIMIT ?`,
      bindings,
    );
    const data: TableInfo[] = rows.slice(0, page.limit).map((r) => ({
      name: r.TABLE_NAME!,
      schema: r.TABLE_SCHEMA!,
      catalog: db,
      kind: tableKind(r.TABLE_TYPE ?? null),
      comment: r.COMMENT || null,
    }));
    const last = data[data.length - 1];
    return { data, nextCursor: rows.length > page.limit && last ? JSON.stringify([last.schema, last.name]) : null };
  }

  async listColumns(ref: TableRef, page: PageRequest): Promise<Page<Column>> {
    const db = this.database(ref.catalog);
    const [after = "0"] = this.cursor<string>(page.cursor, 1) ?? [];
    const rows = await this.rows(
      `SELECT "COLUMN_NAME", "ORDINAL_POSITION", "DATA_TYPE", "IS_NULLABLE", "COMMENT", "NUMERIC_PRECISION", "NUMERIC_SCALE", ` +
        `"CHARACTER_MAXIMUM_LENGTH", "DATETIME_PRECISION" FROM ${qi(db)}."INFORMATION_SCHEMA"."COLUMNS" ` +
        `WHERE "TABLE_SCHEMA" = ? AND "TABLE_NAME" = ? AND "ORDINAL_POSITION" > ? ORDER BY "ORDINAL_POSITION" LIMIT ?`,
      [text(ref.schema), text(ref.table), fixed(Number(after)), fixed(page.limit + 1)],
    );
    if (rows.length === 0 && !page.cursor) {
      const exists = await this.rows(
        `SELECT 1 AS "FOUND" FROM ${qi(db)}."INFORMATION_SCHEMA"."TABLES" WHERE "TABLE_SCHEMA" = ? AND "TABLE_NAME" = ? LIMIT 1`,
        [text(ref.schema), text(ref.table)],
      );
      if (exists.length === 0) throw new ConnectorError("not_found", `Table ${db}.${ref.schema}.${ref.table} not found.`);
    }
    const data: Column[] = rows.slice(0, page.limit).map((r) => {
      const scale = r.NUMERIC_SCALE === null ? null : Number(r.NUMERIC_SCALE);
      return {
        name: r.COLUMN_NAME!,
        position: Number(r.ORDINAL_POSITION),
        type: portableFromDataType(r.DATA_TYPE ?? "", scale),
        nativeType: nativeColumnType(r),
        nullable: r.IS_NULLABLE === "YES",
        comment: r.COMMENT || null,
      };
    });
    const last = data[data.length - 1];
    return { data, nextCursor: rows.length > page.limit && last ? JSON.stringify([String(last.position)]) : null };
  }

  async preview(args: TableRef & { limit: number }): Promise<RowSet> {
    const db = this.database(args.catalog);
    const limit = Math.max(1, Math.min(args.limit, this.ctx.limits.previewRows));
    const sql = `SELECT * FROM ${qi(db)}.${qi(args.schema)}.${qi(args.table)} LIMIT ${limit}`;
    return this.rowSet(sql, limit, this.metaTimeout);
  }

  async query(args: { sql: string; maxRows: number; timeoutMs: number }): Promise<RowSet> {
    const sql = assertReadOnly(args.sql, "snowflake");
    const maxRows = Math.max(1, Math.min(args.maxRows, this.ctx.limits.queryRows));
    const timeoutMs = Math.max(1000, Math.min(args.timeoutMs, this.ctx.limits.statementTimeoutMs));
    return this.rowSet(sql, maxRows, timeoutMs);
  }

  private async rowSet(sql: string, maxRows: number, timeoutMs: number): Promise<RowSet> {
    const started = Date.now();
    const r = await this.client.execute(sql, { timeoutMs, maxRows, maxBytes: this.ctx.limits.responseBytes });
    const decoders = columnDecoders(r.rowType);
    return {
      columns: decoders.map(({ name, type, nativeType }) => ({ name, type, nativeType })),
      rows: decodeRows(decoders, r.rows),
      rowCount: r.rows.length,
      truncated: r.truncated,
      elapsedMs: Date.now() - started,
    };
  }
}

function tableKind(type: string | null): TableInfo["kind"] {
  switch ((type ?? "").toUpperCase()) {
    case "BASE TABLE":
    case "LOCAL TEMPORARY":
    case "TEMPORARY TABLE":
    case "TRANSIENT":
      return "table";
    case "VIEW":
      return "view";
    case "MATERIALIZED VIEW":
      return "materialized_view";
    case "EXTERNAL TABLE":
      return "external";
    default:
      return "other";
  }
}

function nativeColumnType(r: Raw): string {
  const t = (r.DATA_TYPE ?? "").toUpperCase();
  if (t === "NUMBER" && r.NUMERIC_PRECISION !== null) return `NUMBER(${r.NUMERIC_PRECISION},${r.NUMERIC_SCALE ?? 0})`;
  if (t === "TEXT" && r.CHARACTER_MAXIMUM_LENGTH !== null) return `VARCHAR(${r.CHARACTER_MAXIMUM_LENGTH})`;
  if (/^(TIME|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)$/.test(t) && r.DATETIME_PRECISION !== null) return `${t}(${r.DATETIME_PRECISION})`;
  return t;
}
