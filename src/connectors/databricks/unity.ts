import { ConnectorError } from "../errors";
import type { Column, PageRequest, TableInfo } from "../types";
import type { DatabricksClient } from "./client";
import { nativeType, portableType, typeTextFromJson } from "./values";

// Unity Catalog REST 2.1. Lists are paged with max_results/page_token; a page may be empty and
// still carry a next_page_token (only its absence ends the list), so reading continues until the
// page is full, the list ends, or the deadline nears (then the token goes back as the cursor).

const UC = "/api/2.1/unity-catalog";
export const PAGE_MAX = { catalogs: 1000, schemas: 1000, tables: 50 } as const;
const DEADLINE_MARGIN_MS = 500;

type UcCatalog = { name: string; comment?: string };
type UcSchema = { name: string; catalog_name?: string; comment?: string };
type UcColumn = { name: string; type_name?: string; type_text?: string; type_json?: string; position?: number; nullable?: boolean; comment?: string };
type UcTable = { name: string; catalog_name?: string; schema_name?: string; table_type?: string; comment?: string; columns?: UcColumn[] };

export type UcPage<T> = { items: T[]; next: string | null };

async function pages<T>(
  client: DatabricksClient,
  path: string,
  key: string,
  query: Record<string, string>,
  page: PageRequest,
  max: number,
  what: string,
): Promise<UcPage<T>> {
  const items: T[] = [];
  let token = page.cursor || undefined;
  do {
    const want = Math.max(1, Math.min(page.limit - items.length, max));
    const res = await client.call<Record<string, unknown>>("GET", `${UC}${path}`, {
      query: { ...query, max_results: want, page_token: token },
      what,
    });
    const got = res[key];
    if (Array.isArray(got)) items.push(...(got as T[]));
    token = typeof res.next_page_token === "string" && res.next_page_token ? res.next_page_token : undefined;
  } while (token && items.length < page.limit && Date.now() < client.ctx.deadline - DEADLINE_MARGIN_MS);
  return { items, next: token ?? null };
}

// 404 (unknown catalog or schema) reads as an empty list.
async function orEmpty<T>(p: Promise<UcPage<T>>): Promise<UcPage<T>> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ConnectorError && err.code === "not_found") return { items: [], next: null };
    throw err;
  }
}

export function listCatalogs(client: DatabricksClient, page: PageRequest) {
  return pages<UcCatalog>(client, "/catalogs", "catalogs", {}, page, PAGE_MAX.catalogs, "catalog listing");
}

export function listSchemas(client: DatabricksClient, catalog: string, page: PageRequest, opts: { missingIsEmpty?: boolean } = {}) {
  const p = pages<UcSchema>(client, "/schemas", "schemas", { catalog_name: catalog }, page, PAGE_MAX.schemas, "schema listing");
  return opts.missingIsEmpty === false ? p : orEmpty(p);
}

const KIND: Record<string, TableInfo["kind"]> = {
  MANAGED: "table",
  STREAMING_TABLE: "table",
  EXTERNAL: "external",
  EXTERNAL_SHALLOW_CLONE: "external",
  MANAGED_SHALLOW_CLONE: "table",
  VIEW: "view",
  METRIC_VIEW: "view",
  MATERIALIZED_VIEW: "materialized_view",
  FOREIGN: "foreign",
};

export async function listTables(client: DatabricksClient, catalog: string, schema: string, page: PageRequest): Promise<UcPage<TableInfo>> {
  const p = await orEmpty(
    pages<UcTable>(
      client,
      "/tables",
      "tables",
      { catalog_name: catalog, schema_name: schema, omit_columns: "true", omit_properties: "true" },
      page,
      PAGE_MAX.tables,
      "table listing",
    ),
  );
  return {
    items: p.items.map((t) => ({
      name: t.name,
      schema: t.schema_name ?? schema,
      catalog: t.catalog_name ?? catalog,
      kind: KIND[t.table_type ?? ""] ?? "other",
      comment: t.comment ?? null,
    })),
    next: p.next,
  };
}

export async function getColumns(client: DatabricksClient, catalog: string, schema: string, table: string): Promise<Column[]> {
  const fullName = `${catalog}.${schema}.${table}`;
  const t = await client.call<UcTable>("GET", `${UC}/tables/${encodeURIComponent(fullName)}`, { what: "table lookup" }).catch((err) => {
    if (err instanceof ConnectorError && err.code === "not_found") {
      throw new ConnectorError("not_found", `Table ${catalog}.${schema}.${table} was not found`);
    }
    throw err;
  });
  const cols = [...(t.columns ?? [])];
  cols.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  return cols.map((c, i) => {
    const text = c.type_text || typeTextFromJson(c.type_json);
    return {
    name: c.name,
    position: (c.position ?? i) + 1,
    type: portableType(c.type_name, text),
    nativeType: nativeType(c.type_name, text),
    nullable: c.nullable !== false,
    comment: c.comment ?? null,
    };
  });
}
