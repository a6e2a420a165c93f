import { ConnectorError } from "../errors";
import type {
  CatalogInfo, Column, ConnectorContext, ConnectorSession, Page, PageRequest, RowSet, SchemaInfo, TableInfo,
  TableRef, TestResult,
} from "../types";
import { functionPreflight, preflightRefusal } from "../../sql/pg-function-policy";
import { assertReadOnly, postgresCallables, quoteIdent } from "../../sql/readonly";
import type { PostgresConfig } from "./config";
import * as catalog from "./introspect";
import { buildRowSet, resolveTypes } from "./rowset";
import { runTest } from "./test-steps";
import { resolveTransport, type PgTarget, type PgTransport, type QueryOptions, type ResolvedTransport } from "./transport";

// One session per API call: transports are opened lazily (one per database touched) and closed in close().

// The drivers (node-postgres; Neon's for HTTP) are loaded on first use: Worker startup does not pay for
// evaluating them, and Node scripts that import the API (the OpenAPI dump) never load the Workers-only socket.
const openHttp = async (...args: Parameters<typeof import("./http-transport").openHttpTransport>) =>
  (await import("./http-transport")).openHttpTransport(...args);
const openTcp = async (...args: Parameters<typeof import("./tcp-transport").openTcpTransport>) =>
  (await import("./tcp-transport")).openTcpTransport(...args);
const openWs = async (...args: Parameters<typeof import("./ws-transport").openWebSocketTransport>) =>
  (await import("./ws-transport")).openWebSocketTransport(...args);

const WRAPPABLE = /^\(*\s*(select|with|values|table)\b/i;

export function openSession(
  config: PostgresConfig,
  user: string,
  password: string,
  ctx: ConnectorContext,
): ConnectorSession {
  let resolved: ResolvedTransport | ConnectorError;
  try {
    resolved = resolveTransport(config);
  } catch (err) {
    resolved = err instanceof ConnectorError ? err : new ConnectorError("invalid_request", "Invalid Postgres configuration");
  }
  const transports = new Map<string, Promise<PgTransport>>();
  const timeoutMs = (requested?: number) =>
    Math.max(1, Math.min(requested ?? ctx.limits.statementTimeoutMs, ctx.limits.statementTimeoutMs, ctx.deadline - Date.now()));

  const transportFor = (database = config.database): Promise<PgTransport> => {
    if (resolved instanceof ConnectorError) return Promise.reject(resolved);
    let t = transports.get(database);
    if (!t) {
      const target: PgTarget = { host: config.host, port: config.port, database, user, password };
      const r = resolved;
      t =
        r.kind === "http"
          ? openHttp(r.endpoint, target, ctx)
          : r.kind === "websocket"
            ? openWs(r.proxy, target, ctx)
            : openTcp(target, r.sslMode, ctx);
      transports.set(database, t);
      t.catch(() => transports.delete(database));
    }
    return t;
  };
  const run = async (catalogName?: string) => ({ transport: await transportFor(catalogName || config.database), timeoutMs: timeoutMs() });
  const clampPage = (p: PageRequest) => Math.max(1, Math.min(1000, Math.floor(p.limit) || 100));

  async function readOnly(
    sql: string,
    database: string | undefined,
    maxRows: number,
    requestedTimeout?: number,
    preflight?: QueryOptions["preflight"],
  ): Promise<RowSet> {
    const started = Date.now();
    const transport = await transportFor(database || config.database);
    const ms = timeoutMs(requestedTimeout);
    let result;
    try {
      result = await transport.query(sql, [], { readOnlyTransaction: true, timeoutMs: ms, withTypes: true, preflight });
    } catch (err) {
      throw (preflight && preflightRefusal(err, preflight)) || err;
    }
    const types = await resolveTypes(result, transport, timeoutMs());
    return buildRowSet(result, types, maxRows, ctx.limits.responseBytes, started);
  }

  return {
    test(): Promise<TestResult> {
      return runTest({
        user,
        database: config.database,
        schema: config.schema ?? "public",
        timeoutMs: timeoutMs(),
        open: () => transportFor(),
      });
    },
    async listCatalogs(p: PageRequest): Promise<Page<CatalogInfo>> {
      return catalog.listCatalogs(await run(), clampPage(p), p.cursor);
    },
    async listSchemas(args: { catalog?: string }, p: PageRequest): Promise<Page<SchemaInfo>> {
      const db = args.catalog || config.database;
      return catalog.listSchemas(await run(db), db, clampPage(p), p.cursor);
    },
    async listTables(args: { catalog?: string; schema?: string }, p: PageRequest): Promise<Page<TableInfo>> {
      const db = args.catalog || config.database;
      return catalog.listTables(await run(db), db, args.schema ?? config.schema, clampPage(p), p.cursor);
    },
    async listColumns(args: TableRef, p: PageRequest): Promise<Page<Column>> {
      return catalog.listColumns(await run(args.catalog), args.schema, args.table, clampPage(p), p.cursor);
    },
    async preview(args: TableRef & { limit: number }): Promise<RowSet> {
      const limit = Math.max(1, Math.min(Math.floor(args.limit) || ctx.limits.previewRows, ctx.limits.previewRows));
      const sql = `SELECT * FROM ${quoteIdent(args.schema, "postgres")}.${quoteIdent(args.table, "postgres")} LIMIT ${limit + 1}`;
      try {
        return await readOnly(sql, args.catalog, limit);
      } catch (err) {
        if (err instanceof ConnectorError && err.detail.engineCode === "42P01") {
          throw new ConnectorError("not_found", `Table ${args.schema}.${args.table} was not found`);
        }
        if (err instanceof ConnectorError && err.detail.engineCode === "3F000") {
          throw new ConnectorError("not_found", `Schema ${args.schema} was not found`);
        }
        throw err;
      }
    },
    async query(args: { sql: string; maxRows: number; timeoutMs: number }): Promise<RowSet> {
      const statement = assertReadOnly(args.sql, "postgres").replace(/;+\s*$/, "");
      const maxRows = Math.max(1, Math.min(Math.floor(args.maxRows) || ctx.limits.queryRows, ctx.limits.queryRows));
      const sql = WRAPPABLE.test(statement) ? `SELECT * FROM (\n${statement}\n) AS q LIMIT ${maxRows + 1}` : statement;
      // The server's catalog decides which of the functions the statement can call are allowed; the
      // check runs just before the statement, in the same transaction and round trip. Previews need
      // none: their SQL is ours and calls nothing.
      return readOnly(sql, undefined, maxRows, args.timeoutMs, functionPreflight(postgresCallables(statement)));
    },
    async close(): Promise<void> {
      const all = [...transports.values()];
      transports.clear();
      await Promise.all(all.map((t) => t.then((x) => x.close()).catch(() => {})));
    },
  };
}
