import { ConnectorError } from "../errors";
import type { CatalogInfo, Column, ConnectorContext, Page, PageRequest, RowSet, SchemaInfo, TableInfo, TableRef } from "../types";
import { assertReadOnly, quoteIdent, quoteLiteral } from "../../sql/readonly";
import type { Binding, SnowflakeClient } from "./client";
import type { SnowflakeConfig } from "./config";
import { columnDecoders, decodeRows } from "./decode";
import { requireRunning } from "./warehouse";

// Metadata comes from SHOW commands only (DATABASES, SCHEMAS, TABLES, VIEWS, COLUMNS): Snowflake runs
// them in its cloud services layer, so listing never resumes a suspended warehouse or bills compute
// (INFORMATION_SCHEMA queries would). Lists are keyset-paginated on their sort key.

const qi = (s: string) => quoteIdent(s, "snowflake");

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

  // SHOW ... LIMIT n FROM 'name' within one schema (or database); two extra rows and a filter make the
  // page right whether the server includes the FROM name or not. The vendor caps any SHOW at 10,000 rows.
  private show(what: string, scope: string, after: string | undefined, limit: number) {
    const from = after !== undefined ? ` FROM ${quoteLiteral(after, "snowflake")}` : "";
    return this.rows(`SHOW ${what} IN ${scope} LIMIT ${limit}${from}`);
  }

  async listSchemas(args: { catalog?: string }, page: PageRequest): Promise<Page<SchemaInfo>> {
    const db = this.database(args.catalog);
    const [after] = this.cursor<string>(page.cursor, 1) ?? [];
    const rows = (await this.show("SCHEMAS", `DATABASE ${qi(db)}`, after, page.limit + 3))
      .filter((r) => !!r.name && r.name !== "INFORMATION_SCHEMA" && (after === undefined || r.name > after))
      .sort(by("name"));
    const data = rows.slice(0, page.limit).map((r) => ({ name: r.name!, catalog: db, comment: r.comment || null }));
    return { data, nextCursor: rows.length > page.limit ? JSON.stringify([data[data.length - 1]!.name]) : null };
  }

  // Tables and views are two commands (SHOW TABLES lists no views), sent together and merged by
  // (schema, name). Within a schema each pages with LIMIT/FROM; across a database FROM cannot say
  // which schema it means, so the database's listing (at most 10,000 rows each) is paged here.
  async listTables(args: { catalog?: string; schema?: string }, page: PageRequest): Promise<Page<TableInfo>> {
    const db = this.database(args.catalog);
    const cur = this.cursor<string>(page.cursor, 2);
    const inSchema = args.schema !== undefined;
    const scope = inSchema ? `SCHEMA ${qi(db)}.${qi(args.schema!)}` : `DATABASE ${qi(db)}`;
    const after = inSchema ? cur?.[1] : undefined;
    const limit = inSchema ? page.limit + 2 : 10000;
    let tables: Raw[];
    let views: Raw[];
    try {
      [tables, views] = await Promise.all([this.show("TABLES", scope, after, limit), this.show("VIEWS", scope, after, limit)]);
    } catch (err) {
      // An unknown schema lists nothing (the connector contract), like Postgres and Unity Catalog.
      if (inSchema && err instanceof ConnectorError && err.code === "not_found") return { data: [], nextCursor: null };
      throw err;
    }
    const key = (schema: string, name: string) => JSON.stringify([schema, name]);
    const afterKey = cur ? key(cur[0]!, cur[1]!) : null;
    const all: TableInfo[] = [
      ...tables.map((r) => ({ name: r.name!, schema: r.schema_name!, catalog: db, kind: tableKind(r), comment: r.comment || null })),
      ...views.map((r) => ({ name: r.name!, schema: r.schema_name!, catalog: db, kind: viewKind(r), comment: r.comment || null })),
    ]
      .filter((t) => t.name && t.schema && t.schema !== "INFORMATION_SCHEMA")
      .filter((t) => afterKey === null || compare([t.schema, t.name], cur!) > 0)
      .sort((a, b) => compare([a.schema, a.name], [b.schema, b.name]));
    const data = all.slice(0, page.limit);
    const last = data[data.length - 1];
    return { data, nextCursor: all.length > page.limit && last ? key(last.schema, last.name) : null };
  }

  // SHOW COLUMNS has no LIMIT and no position: rows come in ordinal order, so the position is the
  // row's place and pages are cut here. data_type is a JSON object (type, precision, scale, length...).
  async listColumns(ref: TableRef, page: PageRequest): Promise<Page<Column>> {
    const db = this.database(ref.catalog);
    const [after = "0"] = this.cursor<string>(page.cursor, 1) ?? [];
    const offset = Number(after);
    if (!Number.isInteger(offset) || offset < 0) throw new ConnectorError("invalid_request", "The cursor is not valid for this list.");
    const rows = await this.rows(`SHOW COLUMNS IN TABLE ${qi(db)}.${qi(ref.schema)}.${qi(ref.table)}`).catch((err) => {
      if (err instanceof ConnectorError && err.code === "not_found") {
        throw new ConnectorError("not_found", `Table ${db}.${ref.schema}.${ref.table} not found.`);
      }
      throw err;
    });
    const all: Column[] = rows.map((r, i) => {
      const t = dataType(r.data_type);
      return {
        name: r.column_name!,
        position: i + 1,
        type: decoder(t).type,
        nativeType: decoder(t).nativeType,
        nullable: typeof t.nullable === "boolean" ? t.nullable : r["null?"] !== "false",
        comment: r.comment || null,
      };
    });
    const data = all.slice(offset, offset + page.limit);
    const last = data[data.length - 1];
    return { data, nextCursor: all.length > offset + page.limit && last ? JSON.stringify([String(last.position)]) : null };
  }

  async preview(args: TableRef & { limit: number; wake?: boolean }): Promise<RowSet> {
    const db = this.database(args.catalog);
    if (!args.wake) await requireRunning(this.client, this.config, this.metaTimeout);
    const limit = Math.max(1, Math.min(args.limit, this.ctx.limits.previewRows));
    const sql = `SELECT * FROM ${qi(db)}.${qi(args.schema)}.${qi(args.table)} LIMIT ${limit}`;
    return this.rowSet(sql, limit, this.metaTimeout);
  }

  async query(args: { sql: string; maxRows: number; timeoutMs: number; wake?: boolean }): Promise<RowSet> {
    const sql = assertReadOnly(args.sql, "snowflake");
    if (!args.wake) await requireRunning(this.client, this.config, this.metaTimeout);
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

function tableKind(r: Raw): TableInfo["kind"] {
  if (r.is_external === "Y") return "external";
  return "table"; // TABLE, TRANSIENT, TEMPORARY, dynamic, hybrid and Iceberg tables alike
}

const viewKind = (r: Raw): TableInfo["kind"] => (r.is_materialized === "true" ? "materialized_view" : "view");

const by = (k: string) => (a: Raw, b: Raw) => ((a[k] ?? "") < (b[k] ?? "") ? -1 : (a[k] ?? "") > (b[k] ?? "") ? 1 : 0);

function compare(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

type DataType = { type?: string; precision?: number; scale?: number; length?: number; nullable?: boolean };

function dataType(text: string | null | undefined): DataType {
  try {
    const v = JSON.parse(text ?? "");
    if (v && typeof v === "object") return v as DataType;
  } catch {
    // fall through
  }
  return { type: text ?? "" };
}

// The same decoder as result columns: SHOW COLUMNS spells types the way rowType does (upper case).
const decoder = (t: DataType) =>
  columnDecoders([{ name: "", type: t.type ?? "", precision: t.precision ?? null, scale: t.scale ?? null, length: t.length ?? null }])[0]!;
