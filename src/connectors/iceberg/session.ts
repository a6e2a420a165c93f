import { ConnectorError } from "../errors";
import type { ColumnPage, TableDetails, ConnectorContext, ConnectorSession, Page, PageRequest, ResolvedCredential, SchemaInfo, TableInfo } from "../types";
import { createAuth } from "./auth";
import { testConnection } from "./check";
import { IcebergClient } from "./client";
import { currentSchema, schemaColumns, tableDetails } from "./columns";
import type { IcebergConfig } from "./config";
import { namespaceName, parseNamespace } from "./names";
import { keysOf } from "../lakehouse/storage";
import { previewIceberg } from "./preview";
import { collect, identifierPage, loadTable, loadView, MAX_PAGES_PER_CALL, namespacePage, type ListPage, type PageState } from "./rest";

// One API call against an Iceberg REST catalog. catalogs = the one warehouse the endpoint serves
// (the spec has no catalog listing); schemas = namespaces depth-first, nested ones through parent=;
// tables = tables then views of a namespace; columns = the current schema plus free table details.

export type IcebergSession = ConnectorSession & { readonly roundTrips: number; readonly client: IcebergClient };

type Frame = { p: string[]; t: string; i: number }; // a namespace's children: token to send, index into that page

const VIEWS_ROUTE = "GET /v1/{prefix}/namespaces/{namespace}/views";
const NO_SUCH_NAMESPACE = "NoSuchNamespaceException";

function parseCursor<T>(cursor: string | undefined, check: (v: unknown) => boolean): T | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(cursor);
    if (check(v)) return v as T;
  } catch {
    // refused below
  }
  throw new ConnectorError("invalid_request", "The cursor is not valid");
}

const isFrame = (f: unknown) => {
  const o = f as Frame;
  return !!o && Array.isArray(o.p) && o.p.every((x) => typeof x === "string") && typeof o.t === "string" && Number.isInteger(o.i) && o.i >= 0;
};

export function openSession(config: IcebergConfig, credential: ResolvedCredential | null, ctx: ConnectorContext): IcebergSession {
  const client = new IcebergClient(config, ctx, createAuth(config, credential));
  // Glue's and S3 Tables' Iceberg endpoints have no multipart namespaces (they refuse parent=), so
  // there are no children to probe for; elsewhere cleared when the catalog refuses parent=.
  let nested = !config.signingName;

  async function catalogName(): Promise<string> {
    const s = await client.catalogSettings();
    return config.warehouse ?? s.warehouse ?? s.prefix ?? "default";
  }
  async function checkCatalog(catalog?: string) {
    if (catalog !== undefined && catalog !== (await catalogName())) {
      throw new ConnectorError("not_found", `Catalog ${catalog} is not served by this Iceberg endpoint (it serves ${await catalogName()})`);
    }
  }

  // Children of `parent`; a catalog that refuses parent= has no nested namespaces to show.
  async function childPage(parent: string[], token: string, size: number): Promise<ListPage<string[]>> {
    if (parent.length && !nested) return { items: [], next: null };
    try {
      return await namespacePage(client, parent, token, size);
    } catch (err) {
      const refused = err instanceof ConnectorError && ["invalid_request", "capability_not_supported", "not_found"].includes(err.code);
      if (!parent.length || !refused) throw err;
      if (err.code !== "not_found") nested = false;
      return { items: [], next: null };
    }
  }

  async function listSchemas(args: { catalog?: string }, page: PageRequest): Promise<Page<SchemaInfo>> {
    await checkCatalog(args.catalog);
    const catalog = await catalogName();
    const stack = parseCursor<Frame[]>(page.cursor, (v) => Array.isArray(v) && v.length > 0 && v.every(isFrame)) ?? [{ p: [], t: "", i: 0 }];
    const cache = new Map<string, ListPage<string[]>>();
    const seen = new Map<string, Set<string>>();
    const out: SchemaInfo[] = [];
    let truncated = false;
    let fetched = 0;
    while (stack.length && out.length < page.limit) {
      const top = stack[stack.length - 1]!;
      const key = JSON.stringify([top.p, top.t]);
      let current = cache.get(key);
      if (!current) {
        if (fetched >= MAX_PAGES_PER_CALL || (fetched > 0 && Date.now() > ctx.deadline - 500)) break;
        fetched++;
        current = await childPage(top.p, top.t, Math.max(1, page.limit - out.length + top.i));
        cache.set(key, current);
      }
      if (top.i < current.items.length) {
        const ns = current.items[top.i++]!;
        out.push({ name: namespaceName(ns), catalog, comment: null });
        if (nested) stack.push({ p: ns, t: "", i: 0 });
        continue;
      }
      const tokens = seen.get(JSON.stringify(top.p)) ?? new Set([top.t]);
      seen.set(JSON.stringify(top.p), tokens);
      if (current.next && !tokens.has(current.next)) {
        tokens.add(current.next);
        top.t = current.next;
        top.i = 0;
      } else {
        if (current.next) truncated = true; // the server repeated a token: stop following it
        stack.pop();
      }
    }
    const result: Page<SchemaInfo> = { data: out, nextCursor: stack.length ? JSON.stringify(stack) : null };
    if (truncated) result.truncated = true;
    return result;
  }

  async function listTables(args: { catalog?: string; schema?: string }, page: PageRequest): Promise<Page<TableInfo>> {
    await checkCatalog(args.catalog);
    if (!args.schema) throw new ConnectorError("invalid_request", "A schema (namespace) is required to list Iceberg tables");
    const catalog = await catalogName();
    const ns = parseNamespace(args.schema);
    type Cur = PageState & { v: 0 | 1 };
    let cur = parseCursor<Cur>(page.cursor, (v) => {
      const o = v as Cur;
      return !!o && (o.v === 0 || o.v === 1) && typeof o.t === "string" && Number.isInteger(o.i);
    }) ?? { v: 0, t: "", i: 0 };
    const data: TableInfo[] = [];
    let truncated = false;
    const push = (items: Array<{ name: string; kind: "table" | "view" }>) =>
      data.push(...items.map((t) => ({ name: t.name, schema: args.schema!, catalog, kind: t.kind, comment: null })));
    if (cur.v === 0) {
      let r;
      try {
        r = await collect(client, (t, n) => identifierPage(client, ns, "table", t, n), page.limit, cur);
      } catch (err) {
        // An unknown namespace reads as an empty list, as for every engine.
        if (err instanceof ConnectorError && err.code === "not_found" && (err.detail.engineCode ?? NO_SUCH_NAMESPACE) === NO_SUCH_NAMESPACE) {
          return { data: [], nextCursor: null };
        }
        throw err;
      }
      push(r.items);
      truncated ||= r.truncated;
      if (r.next) return withTrunc({ data, nextCursor: JSON.stringify({ v: 0, ...r.next }) }, truncated);
      cur = { v: 1, t: "", i: 0 };
    }
    if (data.length >= page.limit) return withTrunc({ data, nextCursor: JSON.stringify(cur) }, truncated);
    if (await client.declaredAbsent(VIEWS_ROUTE)) return withTrunc({ data, nextCursor: null }, truncated);
    try {
      const r = await collect(client, (t, n) => identifierPage(client, ns, "view", t, n), page.limit - data.length, cur);
      push(r.items);
      return withTrunc({ data, nextCursor: r.next ? JSON.stringify({ v: 1, ...r.next }) : null }, truncated || r.truncated);
    } catch (err) {
      // Catalogs without views answer 404/406/400 or (Glue) 200 with an UnknownOperationException.
      if (err instanceof ConnectorError && ["not_found", "capability_not_supported", "invalid_request"].includes(err.code)) {
        return withTrunc({ data, nextCursor: null }, truncated);
      }
      throw err;
    }
  }

  async function listColumns(args: { catalog?: string; schema: string; table: string }, page: PageRequest): Promise<ColumnPage> {
    await checkCatalog(args.catalog);
    const ns = parseNamespace(args.schema);
    const label = `${args.schema}.${args.table}`;
    let columns;
    let table: TableDetails;
    try {
      const loaded = await loadTable(client, ns, args.table);
      columns = schemaColumns(currentSchema(loaded.metadata), loaded.metadata);
      table = tableDetails(loaded);
    } catch (err) {
      if (!(err instanceof ConnectorError) || err.code !== "not_found") throw err;
      // Not a table: perhaps a view (absent views route or any failure there: the table's 404 stands).
      const view = (await client.declaredAbsent(VIEWS_ROUTE)) ? null : await loadView(client, ns, args.table).catch(() => null);
      if (!view) throw new ConnectorError("not_found", `Table ${label} was not found`);
      columns = schemaColumns(view.schema);
      table = { format: "iceberg-view" };
    }
    const offset = page.cursor ? Number(/^o:(\d+)$/.exec(page.cursor)?.[1] ?? NaN) : 0;
    if (!Number.isInteger(offset)) throw new ConnectorError("invalid_request", "The cursor is not valid");
    const data = columns.slice(offset, offset + page.limit);
    return { data, nextCursor: offset + page.limit < columns.length ? `o:${offset + page.limit}` : null, table };
  }

  return {
    get roundTrips() {
      return client.roundTrips;
    },
    client,
    test: () => testConnection(client),
    async listCatalogs() {
      return { data: [{ name: await catalogName(), comment: null }], nextCursor: null };
    },
    listSchemas,
    listTables,
    listColumns,
    async preview(args) {
      await checkCatalog(args.catalog);
      if (!args.schema) throw new ConnectorError("invalid_request", "A schema (namespace) is required to preview an Iceberg table");
      // Keys for data files when the catalog vends none: the named S3 credential, else a SigV4 pair.
      const own = keysOf(ctx.storageCredential) ?? (credential?.method === "sigv4" ? keysOf(credential) : null);
      return previewIceberg(client, ctx, own, { namespace: parseNamespace(args.schema), table: args.table, limit: Math.min(args.limit, ctx.limits.previewRows) }).catch((err) => {
        if (err instanceof ConnectorError && err.code === "not_found" && err.detail.engineCode === "NoSuchTableException") {
          throw new ConnectorError("not_found", `Table ${args.schema}.${args.table} was not found`, err.detail);
        }
        throw err;
      });
    },
  };
}

function withTrunc<T>(page: Page<T>, truncated: boolean): Page<T> {
  if (truncated) page.truncated = true;
  return page;
}
