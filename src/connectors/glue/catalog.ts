import { ConnectorError } from "../errors";
import { currentSchema, schemaColumns, tableDetails } from "../iceberg/columns";
import type { TableMetadata } from "../iceberg/rest";
import type { StorageReader } from "../lakehouse/storage";
import type { CatalogInfo, ColumnPage, Column, Page, PageRequest, PortableType, SchemaInfo, TableDetails, TableInfo } from "../types";
import type { GlueClient } from "./client";

// Glue Data Catalog operations behind catalogs/schemas/tables/columns. NextToken is followed with
// the same guards as the Iceberg lists: a repeated token stops the list (truncated), at most
// MAX_PAGES pages per call, the rest through the cursor.

export const MAX_PAGES = 20;
const PAGE_MAX = { catalogs: 1000, databases: 100, tables: 100 };
const METADATA_MAX_BYTES = 8 * 1024 * 1024;

type Paged<T> = { items: T[]; next: string | null; truncated: boolean };

async function follow<T>(client: GlueClient, op: string, body: Record<string, unknown>, key: string, max: number, page: PageRequest): Promise<Paged<T>> {
  const items: T[] = [];
  let token = page.cursor || undefined;
  const seen = new Set<string>(token ? [token] : []);
  for (let n = 0; n < MAX_PAGES; n++) {
    const res = await client.call<Record<string, unknown>>(op, { ...body, MaxResults: Math.max(1, Math.min(max, page.limit - items.length)), ...(token ? { NextToken: token } : {}) });
    const got = res[key];
    if (!Array.isArray(got)) throw new ConnectorError("upstream_error", `Glue ${op} answered without ${key}`);
    items.push(...(got as T[]));
    const next = typeof res.NextToken === "string" && res.NextToken ? res.NextToken : null;
    if (!next) return { items, next: null, truncated: false };
    if (seen.has(next)) return { items, next: null, truncated: true };
    seen.add(next);
    token = next;
    if (items.length >= page.limit || Date.now() > client.ctx.deadline - 500) break;
  }
  return { items, next: token ?? null, truncated: false };
}

const asPage = <T>(p: Paged<unknown>, data: T[]): Page<T> => (p.truncated ? { data, nextCursor: null, truncated: true } : { data, nextCursor: p.next });

export async function listCatalogs(client: GlueClient, page: PageRequest): Promise<Page<CatalogInfo>> {
  const p = await follow<{ CatalogId?: string; Name?: string; Description?: string }>(client, "GetCatalogs", { Recursive: true, IncludeRoot: true }, "CatalogList", PAGE_MAX.catalogs, page);
  return asPage(p, p.items.map((c) => ({ name: c.CatalogId ?? c.Name ?? "", comment: c.Description ?? (c.Name && c.Name !== c.CatalogId ? c.Name : null) })));
}

const catalogArg = (client: GlueClient, catalog?: string) => {
  const id = catalog ?? client.config.catalogId;
  return id ? { CatalogId: id } : {};
};

export async function listSchemas(client: GlueClient, catalog: string | undefined, page: PageRequest): Promise<Page<SchemaInfo>> {
  const p = await follow<{ Name: string; Description?: string; CatalogId?: string }>(client, "GetDatabases", { ...catalogArg(client, catalog), ResourceShareType: "ALL" }, "DatabaseList", PAGE_MAX.databases, page);
  return asPage(p, p.items.map((d) => ({ name: d.Name, catalog: d.CatalogId ?? catalog ?? client.config.catalogId ?? null, comment: d.Description ?? null })));
}

const KIND: Record<string, TableInfo["kind"]> = {
  EXTERNAL_TABLE: "external",
  MANAGED_TABLE: "table",
  GOVERNED: "table",
  VIRTUAL_VIEW: "view",
  MATERIALIZED_VIEW: "materialized_view",
};

export async function listTables(client: GlueClient, args: { catalog?: string; schema?: string; search?: string }, page: PageRequest): Promise<Page<TableInfo>> {
  if (!args.schema) throw new ConnectorError("invalid_request", "A schema (Glue database) is required to list tables");
  const body = { ...catalogArg(client, args.catalog), DatabaseName: args.schema, AttributesToGet: ["NAME", "TABLE_TYPE"], ...(args.search ? { Expression: args.search } : {}) };
  let p: Paged<{ Name: string; TableType?: string; Description?: string }>;
  try {
    p = await follow(client, "GetTables", body, "TableList", PAGE_MAX.tables, page);
  } catch (err) {
    if (err instanceof ConnectorError && err.code === "not_found") return { data: [], nextCursor: null };
    throw err;
  }
  const catalog = args.catalog ?? client.config.catalogId ?? null;
  return asPage(p, p.items.map((t) => ({ name: t.Name, schema: args.schema!, catalog, kind: KIND[t.TableType ?? ""] ?? "other", comment: t.Description ?? null })));
}

type GlueColumn = { Name: string; Type?: string; Comment?: string; Parameters?: Record<string, string> };
export type GlueTable = {
  Name: string;
  DatabaseName?: string;
  TableType?: string;
  Description?: string;
  UpdateTime?: number | string;
  Parameters?: Record<string, string>;
  PartitionKeys?: GlueColumn[];
  StorageDescriptor?: { Columns?: GlueColumn[]; Location?: string; InputFormat?: string; SerdeInfo?: { SerializationLibrary?: string; Parameters?: Record<string, string> } };
};

export async function getTable(client: GlueClient, args: { catalog?: string; schema: string; table: string }): Promise<GlueTable> {
  const res = await client
    .call<{ Table?: GlueTable }>("GetTable", { ...catalogArg(client, args.catalog), DatabaseName: args.schema, Name: args.table })
    .catch((err) => {
      if (err instanceof ConnectorError && err.code === "not_found") throw new ConnectorError("not_found", `Table ${args.schema}.${args.table} was not found`, err.detail);
      throw err;
    });
  if (!res.Table || typeof res.Table.Name !== "string") throw new ConnectorError("upstream_error", "Glue GetTable answered without a Table");
  return res.Table;
}

export const isIceberg = (t: GlueTable) => (t.Parameters?.table_type ?? "").toUpperCase() === "ICEBERG";

// Hive type names as Glue stores them.
export function hiveType(raw: string): PortableType {
  const t = raw.trim().toLowerCase();
  if (/^(tinyint|smallint|int|integer|bigint)$/.test(t)) return "integer";
  if (/^(float|double|real)$/.test(t)) return "float";
  if (/^decimal/.test(t)) return "decimal";
  if (/^(string|varchar|char)/.test(t)) return "string";
  if (t === "boolean") return "boolean";
  if (t === "date") return "date";
  if (t === "timestamp") return "timestamp";
  if (t === "binary") return "binary";
  if (t.startsWith("array<")) return "array";
  if (t.startsWith("map<")) return "map";
  if (t.startsWith("struct<")) return "struct";
  return "other";
}

export function tableFormat(t: GlueTable): string {
  if (isIceberg(t)) return "iceberg";
  const hint = `${t.Parameters?.classification ?? ""} ${t.StorageDescriptor?.InputFormat ?? ""} ${t.StorageDescriptor?.SerdeInfo?.SerializationLibrary ?? ""}`.toLowerCase();
  if (hint.includes("parquet")) return "parquet";
  if (hint.includes("orc")) return "orc";
  if (hint.includes("avro")) return "avro";
  if (hint.includes("json")) return "json";
  if (hint.includes("csv") || hint.includes("lazysimpleserde") || hint.includes("opencsvserde")) return "csv";
  return t.Parameters?.classification || "unknown";
}

const count = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : (v ?? null));

function glueDetails(t: GlueTable): TableDetails {
  const updated = typeof t.UpdateTime === "number" ? new Date(t.UpdateTime * 1000).toISOString() : typeof t.UpdateTime === "string" ? t.UpdateTime : null;
  return {
    format: tableFormat(t),
    location: t.StorageDescriptor?.Location ?? null,
    lastUpdated: updated,
    rowCount: count(t.Parameters?.numRows ?? t.Parameters?.recordCount),
    sizeBytes: count(t.Parameters?.totalSize ?? t.Parameters?.rawDataSize),
    tableType: t.TableType ?? null,
    partitionKeys: (t.PartitionKeys ?? []).map((k) => k.Name),
  };
}

// Columns of a Glue table: storage columns then partition keys. For an Iceberg table the truth is its
// metadata file (Glue keeps dropped columns, marked iceberg.field.current=false); when that file cannot
// be read, Glue's columns without the dropped ones are answered and the details say so.
export async function tableColumns(client: GlueClient, storage: StorageReader | null, t: GlueTable): Promise<ColumnPage & { data: Column[] }> {
  if (isIceberg(t)) {
    const location = t.Parameters?.metadata_location;
    let reason = location ? "no S3 access configured" : "the table has no metadata_location";
    if (location && storage) {
      try {
        const text = new TextDecoder().decode(await storage.readAll(location, METADATA_MAX_BYTES));
        const metadata = JSON.parse(text) as TableMetadata;
        const id = /"current-snapshot-id"\s*:\s*(-?\d+)/.exec(text)?.[1];
        const exactId = id && id !== "-1" ? id : null;
        const loaded = { metadataLocation: location, currentSnapshotId: exactId, metadata, vended: { config: {}, storageCredentials: [] } };
        return { data: schemaColumns(currentSchema(metadata), metadata), nextCursor: null, table: { ...tableDetails(loaded), columnsFrom: "iceberg metadata", metadataLocation: location } };
      } catch (err) {
        if (!(err instanceof ConnectorError) && !(err instanceof SyntaxError)) throw err;
        reason = client.redact(err instanceof Error ? err.message : String(err));
      }
    }
    const data = glueColumns(t).filter((c) => c.current);
    return { data: renumber(data), nextCursor: null, table: { ...glueDetails(t), columnsFrom: `glue (Iceberg metadata not read: ${reason})` } };
  }
  return { data: renumber(glueColumns(t)), nextCursor: null, table: glueDetails(t) };
}

function glueColumns(t: GlueTable): Array<Column & { current: boolean }> {
  const cols = (t.StorageDescriptor?.Columns ?? []).map((c) => ({ c, partition: false }));
  const keys = (t.PartitionKeys ?? []).map((c) => ({ c, partition: true }));
  return [...cols, ...keys].map(({ c, partition }) => ({
    name: c.Name,
    position: 0,
    type: hiveType(c.Type ?? ""),
    nativeType: c.Type ?? "",
    nullable: true,
    comment: c.Comment ?? null,
    ...(partition ? { partition: ["identity"] } : {}),
    current: c.Parameters?.["iceberg.field.current"] !== "false",
  }));
}

function renumber(cols: Array<Column & { current?: boolean }>): Column[] {
  return cols.map(({ current: _current, ...c }, i) => ({ ...c, position: i + 1 }));
}
