import { assertReadOnly, quoteIdent } from "../../sql/readonly";
import { ConnectorError } from "../errors";
import type { ConnectorContext, ConnectorSession, ResolvedCredential, RowSet } from "../types";
import { createAuth } from "./auth";
import { testConnection } from "./check";
import { DatabricksClient } from "./client";
import type { DatabricksConfig } from "./config";
import { runStatement } from "./statements";
import { getColumns, listCatalogs, listSchemas, listTables } from "./unity";
import { requireRunning } from "./warehouse";

// At most this many schemas per catalog in a discover page without a catalog (flagged when cut).
export const DISCOVER_SCHEMAS_PER_CATALOG = 50;
const DISCOVER_CONCURRENCY = 4;
// Time kept back from the context's deadline so a statement can still be cancelled.
const CANCEL_RESERVE_MS = 750;

export type DatabricksSession = ConnectorSession & { readonly roundTrips: number };

export function baseUrl(config: DatabricksConfig): string {
  return (config.endpoint ?? `https://${config.host}`).replace(/\/+$/, "");
}

export function openSession(config: DatabricksConfig, credential: ResolvedCredential | null, ctx: ConnectorContext): DatabricksSession {
  const client = new DatabricksClient(baseUrl(config), ctx, createAuth(baseUrl(config), credential));

  const catalogOf = (catalog?: string) => {
    const c = catalog ?? config.catalog;
    if (!c) throw new ConnectorError("invalid_request", "A catalog is required (none given and no default catalog configured)");
    return c;
  };
  const schemaOf = (schema?: string) => {
    const s = schema ?? config.schema;
    if (!s) throw new ConnectorError("invalid_request", "A schema is required (none given and no default schema configured)");
    return s;
  };
  const statementDeadline = (timeoutMs?: number) => {
    const budget = Math.min(timeoutMs ?? ctx.limits.statementTimeoutMs, ctx.limits.statementTimeoutMs);
    const reserve = Math.min(CANCEL_RESERVE_MS, Math.max(100, (ctx.deadline - Date.now()) * 0.2));
    return Math.min(Date.now() + budget, ctx.deadline - reserve);
  };

  async function rows(statement: string, maxRows: number, timeoutMs?: number): Promise<RowSet> {
    const started = Date.now();
    const result = await runStatement(client, {
      statement,
      warehouseId: config.warehouseId,
      catalog: config.catalog,
      schema: config.schema,
      rowLimit: maxRows + 1, // one more than asked, to know whether there is more
      fetchRows: maxRows + 1,
      maxBytes: ctx.limits.responseBytes,
      deadline: statementDeadline(timeoutMs),
    });
    const truncated = result.truncated || result.rows.length > maxRows;
    const out = result.rows.slice(0, maxRows);
    return { columns: result.columns, rows: out, rowCount: out.length, truncated, elapsedMs: Date.now() - started };
  }

  const session: DatabricksSession = {
    get roundTrips() {
      return client.roundTrips;
    },

    test: () => testConnection(client, config),

    async listCatalogs(page) {
      const p = await listCatalogs(client, page);
      return { data: p.items.map((c) => ({ name: c.name, comment: c.comment ?? null })), nextCursor: p.next };
    },

    async listSchemas(args, page) {
      const catalog = catalogOf(args.catalog);
      const p = await listSchemas(client, catalog, page);
      return { data: p.items.map((s) => ({ name: s.name, catalog, comment: s.comment ?? null })), nextCursor: p.next };
    },

    async listTables(args, page) {
      const p = await listTables(client, catalogOf(args.catalog), schemaOf(args.schema), page);
      return { data: p.items, nextCursor: p.next };
    },

    async listColumns(args, page) {
      const all = await getColumns(client, catalogOf(args.catalog), args.schema, args.table);
      const offset = page.cursor ? Number(/^o:(\d+)$/.exec(page.cursor)?.[1] ?? NaN) : 0;
      if (!Number.isInteger(offset)) throw new ConnectorError("invalid_request", "The cursor is not valid");
      const data = all.slice(offset, offset + page.limit);
      return { data, nextCursor: offset + page.limit < all.length ? `o:${offset + page.limit}` : null };
    },

    async preview(args) {
      if (!args.wake) await requireRunning(client, config);
      const limit = Math.max(0, Math.floor(args.limit));
      const target = [catalogOf(args.catalog), args.schema, args.table].map((n) => quoteIdent(n, "databricks")).join(".");
      return rows(`SELECT * FROM ${target} LIMIT ${limit + 1}`, limit);
    },

    async query(args) {
      const sql = assertReadOnly(args.sql, "databricks");
      if (!args.wake) await requireRunning(client, config);
      return rows(sql, Math.max(0, Math.floor(args.maxRows)), args.timeoutMs);
    },

    // discover({catalog}, page): that catalog's schemas, items { catalog, name, comment }, paged by
    // Unity Catalog's token. discover({}, page): catalogs, items { name, comment, schemas: [{ name,
    // comment }] (at most DISCOVER_SCHEMAS_PER_CATALOG), schemasTruncated, error? }, paged over catalogs.
    async discover(args, page) {
      if (args.catalog) {
        const p = await listSchemas(client, args.catalog, page, { missingIsEmpty: false }).catch((err) => {
          if (err instanceof ConnectorError && err.code === "not_found") {
            throw new ConnectorError("not_found", `Catalog ${args.catalog} was not found`);
          }
          throw err;
        });
        return {
          data: p.items.map((s) => ({ catalog: args.catalog, name: s.name, comment: s.comment ?? null })),
          nextCursor: p.next,
        };
      }
      const catalogs = await listCatalogs(client, page);
      const data: Array<Record<string, unknown>> = new Array(catalogs.items.length);
      let next = 0;
      const worker = async () => {
        while (next < catalogs.items.length) {
          const i = next++;
          const c = catalogs.items[i]!;
          data[i] = await discoverCatalog(c.name, c.comment ?? null);
        }
      };
      await Promise.all(Array.from({ length: Math.min(DISCOVER_CONCURRENCY, catalogs.items.length) }, worker));
      return { data, nextCursor: catalogs.next };
    },
  };

  async function discoverCatalog(name: string, comment: string | null): Promise<Record<string, unknown>> {
    const item: Record<string, unknown> = { name, comment };
    try {
      const p = await listSchemas(client, name, { limit: DISCOVER_SCHEMAS_PER_CATALOG });
      item.schemas = p.items.slice(0, DISCOVER_SCHEMAS_PER_CATALOG).map((s) => ({ name: s.name, comment: s.comment ?? null }));
      item.schemasTruncated = p.next !== null || p.items.length > DISCOVER_SCHEMAS_PER_CATALOG;
    } catch (err) {
      // One catalog the principal cannot browse does not sink the page.
      if (!(err instanceof ConnectorError) || err.code !== "permission_denied") throw err;
      item.schemas = [];
      item.schemasTruncated = false;
      item.error = { code: err.code, message: err.message };
    }
    return item;
  }

  return session;
}

