import { clampLimits, createConnectorContext } from "../connectors/context";
import { ConnectorError, toApiError, unsupported } from "../connectors/errors";
import { project } from "../connectors/project";
import { getConnector } from "../connectors/registry";
import type {
  Capability,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorSession,
  Limits,
  Page,
  ResolvedCredential,
  TestResult,
} from "../connectors/types";
import { settings, type Bindings } from "../env";
import { ApiError } from "../lib/errors";
import { decodeCursor, encodeCursor } from "../lib/pagination";
import { validateConfig } from "./connection-config";
import { validateCredentialFields } from "./credential-fields";
import { loadConnectionForUse, loadConnectionWith } from "./connections";
import {
  type CacheRequest,
  type Cached,
  etagOf,
  fingerprint,
  pageKey,
  rowQuery as cacheRowQuery,
  store,
  ttlOf,
  usable,
} from "./introspection-cache";
import { credentialQuery, resolveCredential } from "./credentials";
import { resolveStorageCredential } from "./storage-credential";
import type { Tenant } from "./tenant";

// Grace on top of the statement timeout for connecting and transferring results.
const TRANSPORT_GRACE_MS = 5_000;

// hosts: what definition.hosts(config) yields; the credential was approved for them, and the
// connector's egress is held to them.
// storageCredential: the one the config names for object storage, approved for its storage hosts.
type Opened = {
  definition: ConnectorDefinition;
  config: Record<string, unknown>;
  hosts: string[];
  credential: ResolvedCredential | null;
  storageCredential?: ResolvedCredential | null;
};

async function run<T>(
  env: Bindings,
  opened: Opened,
  limits: Limits,
  op: (session: ConnectorSession, ctx: ConnectorContext) => Promise<T>,
): Promise<T> {
  const { definition, config, credential } = opened;
  const ctx = createConnectorContext({
    allowPrivateNetwork: settings(env).allowPrivateNetwork,
    allowedHosts: opened.hosts,
    timeoutMs: limits.statementTimeoutMs + TRANSPORT_GRACE_MS,
    limits,
  });
  if (opened.storageCredential) ctx.storageCredential = opened.storageCredential;
  let session: ConnectorSession | undefined;
  try {
    session = await definition.open(config, credential, ctx);
    return await op(session, ctx);
  } catch (err) {
    if (err instanceof ConnectorError) throw toApiError(err);
    throw err;
  } finally {
    await session?.close?.().catch(() => {});
  }
}

function requireCapability(def: ConnectorDefinition, capability: Capability, operation: string) {
  if (!def.capabilities.includes(capability)) throw toApiError(unsupported(def.type, operation));
}

// Connector cursors are wrapped so a cursor only works for the list and connection it came from.
function wrapPage<T, P extends Page<T>>(kind: string, page: P): P {
  return { ...page, nextCursor: page.nextCursor === null ? null : encodeCursor(kind, page.nextCursor) };
}

async function onConnection<T>(
  t: Tenant,
  env: Bindings,
  connectionId: string,
  capability: Capability,
  operation: string,
  limits: Limits,
  op: (session: ConnectorSession) => Promise<T>,
) {
  const opened = await loadConnectionForUse(t, env, connectionId);
  requireCapability(opened.definition, capability, operation);
  return run(env, opened, limits, (session) => op(session));
}

const missing = (what: string) => new ConnectorError("capability_not_supported", `This connector does not support ${what}`);

// A list page answered from the cache when allowed, else live (and stored). The connection, its
// credential, the cache row and the API key check are one D1 batch.
async function cachedList<T extends object>(
  t: Tenant,
  env: Bindings,
  id: string,
  capability: Capability,
  operation: string,
  params: Record<string, unknown>,
  req: CacheRequest,
  op: (session: ConnectorSession) => Promise<T>,
): Promise<Cached<T>> {
  const key = await pageKey(capability, params);
  const opened = await loadConnectionWith(t, env, id, cacheRowQuery(t, id, key));
  requireCapability(opened.definition, capability, operation);
  const now = Date.now();
  const ttlSeconds = ttlOf(opened.connection);
  const print = await fingerprint(opened.connection, opened.credentialRow);
  const hit = usable(opened.extra[0], print, ttlSeconds, req, now);
  if (hit) {
    const cache = { hit: true, ageSeconds: Math.max(0, Math.floor((now - hit.createdAt) / 1000)), ttlSeconds };
    return { body: { ...(JSON.parse(hit.body) as T), cache }, etag: hit.etag, cache };
  }
  // Only a live read decrypts the credential and counts against the warehouse limit; a hit sends nothing anywhere.
  await req.beforeLive?.();
  const page = await run(env, { ...opened, credential: await opened.unsealCredential() }, clampLimits({}), (session) => op(session));
  const text = JSON.stringify(page);
  const etag = await etagOf(text);
  await store(t, { connectionId: id, key, fingerprint: print, body: text, etag, ttlSeconds, now });
  const cache = { hit: false, ageSeconds: 0, ttlSeconds };
  return { body: { ...page, cache }, etag, cache };
}

type ListReq = { limit: number; cursor?: string; refresh?: boolean; beforeLive?: () => Promise<void> };
const cacheReq = (q: ListReq): CacheRequest => ({ refresh: q.refresh === true, beforeLive: q.beforeLive });

export function listCatalogs(t: Tenant, env: Bindings, id: string, p: ListReq) {
  const kind = `catalogs:${id}`;
  return cachedList(t, env, id, "catalogs", "listing catalogs", { limit: p.limit, cursor: p.cursor ?? null }, cacheReq(p), async (s) => {
    if (!s.listCatalogs) throw missing("listing catalogs");
    return wrapPage(kind, await s.listCatalogs({ limit: p.limit, cursor: decodeCursor(kind, p.cursor) }));
  });
}

export function listSchemas(t: Tenant, env: Bindings, id: string, q: ListReq & { catalog?: string }) {
  const kind = `schemas:${id}:${q.catalog ?? ""}`;
  const params = { catalog: q.catalog ?? null, limit: q.limit, cursor: q.cursor ?? null };
  return cachedList(t, env, id, "schemas", "listing schemas", params, cacheReq(q), async (s) => {
    if (!s.listSchemas) throw missing("listing schemas");
    return wrapPage(kind, await s.listSchemas({ catalog: q.catalog }, { limit: q.limit, cursor: decodeCursor(kind, q.cursor) }));
  });
}

export function listTables(t: Tenant, env: Bindings, id: string, q: ListReq & { catalog?: string; schema?: string }) {
  const kind = `tables:${id}:${q.catalog ?? ""}:${q.schema ?? ""}`;
  const params = { catalog: q.catalog ?? null, schema: q.schema ?? null, limit: q.limit, cursor: q.cursor ?? null };
  return cachedList(t, env, id, "tables", "listing tables", params, cacheReq(q), async (s) => {
    if (!s.listTables) throw missing("listing tables");
    return wrapPage(kind, await s.listTables({ catalog: q.catalog, schema: q.schema }, { limit: q.limit, cursor: decodeCursor(kind, q.cursor) }));
  });
}

export function listColumns(t: Tenant, env: Bindings, id: string, q: ListReq & { catalog?: string; schema: string; table: string }) {
  const kind = `columns:${id}:${q.catalog ?? ""}:${q.schema}:${q.table}`;
  const params = { catalog: q.catalog ?? null, schema: q.schema, table: q.table, limit: q.limit, cursor: q.cursor ?? null };
  return cachedList(t, env, id, "columns", "listing columns", params, cacheReq(q), async (s) => {
    if (!s.listColumns) throw missing("listing columns");
    return wrapPage(
      kind,
      await s.listColumns({ catalog: q.catalog, schema: q.schema, table: q.table }, { limit: q.limit, cursor: decodeCursor(kind, q.cursor) }),
    );
  });
}

export function preview(
  t: Tenant,
  env: Bindings,
  id: string,
  q: { catalog?: string; schema?: string; table: string; limit: number; columns?: string[]; wake?: "true" | "false" },
) {
  const limits = clampLimits({ previewRows: q.limit });
  return onConnection(t, env, id, "preview", "previews", limits, async (s) => {
    if (!s.preview) throw missing("previews");
    const rows = await s.preview({ catalog: q.catalog, schema: q.schema ?? "", table: q.table, limit: limits.previewRows, columns: q.columns, wake: q.wake === "true" });
    // engines that do not project return every column: keep the ones asked for
    if (q.columns && (rows.columns.length !== q.columns.length || rows.columns.some((c, i) => c.name !== q.columns![i]))) {
      return { ...rows, ...project(rows.columns, rows.rows, q.columns) };
    }
    return rows;
  });
}

export function testQuery(t: Tenant, env: Bindings, q: { connectionId: string; sql: string; maxRows: number; timeoutMs: number; wake?: boolean }) {
  const limits = clampLimits({ queryRows: q.maxRows, timeoutMs: q.timeoutMs });
  return onConnection(t, env, q.connectionId, "sql", "SQL queries", limits, async (s) => {
    if (!s.query) throw missing("SQL queries");
    return s.query({ sql: q.sql, maxRows: limits.queryRows, timeoutMs: limits.statementTimeoutMs, wake: q.wake === true });
  });
}

export function listFiles(t: Tenant, env: Bindings, id: string, q: { path: string; delimiter: string; limit: number; cursor?: string }) {
  const kind = `files:${id}:${q.path}:${q.delimiter}`;
  return onConnection(t, env, id, "files", "browsing files", clampLimits({}), async (s) => {
    if (!s.listFiles) throw missing("browsing files");
    return wrapPage(kind, await s.listFiles({ path: q.path, delimiter: q.delimiter }, { limit: q.limit, cursor: decodeCursor(kind, q.cursor) }));
  });
}

export function inferFileSchema(t: Tenant, env: Bindings, id: string, path: string) {
  return onConnection(t, env, id, "fileSchema", "file schemas", clampLimits({}), async (s) => {
    if (!s.inferFileSchema) throw missing("file schemas");
    return s.inferFileSchema({ path });
  });
}

export function discover(t: Tenant, env: Bindings, q: { connectionId: string; catalog?: string; limit: number; cursor?: string }) {
  const kind = `discover:${q.connectionId}:${q.catalog ?? ""}`;
  return onConnection(t, env, q.connectionId, "discover", "discovery", clampLimits({}), async (s) => {
    if (!s.discover) throw missing("discovery");
    return wrapPage(kind, await s.discover({ catalog: q.catalog }, { limit: q.limit, cursor: decodeCursor(kind, q.cursor) }));
  });
}

// Connection tests answer 200 whenever the test ran; a refused host or an unreachable server is
// a failed step, not an HTTP error.
async function runTest(env: Bindings, opened: Opened): Promise<TestResult & { latencyMs: number }> {
  const started = Date.now();
  try {
    const result = await run(env, opened, clampLimits({}), (s) => s.test());
    return { ...result, latencyMs: Date.now() - started };
  } catch (err) {
    if (err instanceof ApiError && err.code !== "capability_not_supported" && err.status >= 422) {
      const elapsedMs = Date.now() - started;
      return {
        ok: false,
        latencyMs: elapsedMs,
        steps: [
          { name: "connect", status: "failed", elapsedMs, message: err.message, code: err.code },
          { name: "authenticate", status: "skipped", elapsedMs: 0, message: "Skipped: could not connect" },
          { name: "authorize", status: "skipped", elapsedMs: 0, message: "Skipped: could not connect" },
          { name: "sample", status: "skipped", elapsedMs: 0, message: "Skipped: could not connect" },
        ],
      };
    }
    throw err;
  }
}

// configPatch: edited settings (JSON Merge Patch over the stored config), tested with the stored
// credential and never saved.
export async function testSaved(t: Tenant, env: Bindings, id: string, configPatch?: Record<string, unknown>) {
  return runTest(env, await loadConnectionForUse(t, env, id, configPatch));
}

export async function testSettings(
  t: Tenant,
  env: Bindings,
  input: {
    type: string;
    config: Record<string, unknown>;
    credentialId?: string;
    credential?: { method: string; identity?: Record<string, string>; secrets: Record<string, string> };
  },
) {
  const definition = getConnector(input.type);
  const config = validateConfig(definition, input.config);
  const hosts = definition.hosts(config);
  if (input.credentialId && input.credential) {
    throw new ApiError(400, "validation_failed", "Send credentialId or credential, not both", {
      errors: [{ path: "body.credential", message: "not allowed together with credentialId" }],
    });
  }
  let credential: ResolvedCredential | null = null;
  if (input.credentialId) {
    const [row] = await t.readOne(credentialQuery(t, input.credentialId));
    if (!row) throw new ApiError(422, "credential_not_found", `Credential ${input.credentialId} does not exist in this workspace`);
    if (row.type !== definition.type) throw new ApiError(422, "credential_type_mismatch", `Credential ${input.credentialId} is for ${row.type}, not ${definition.type}`);
    credential = await resolveCredential(t, env, row, hosts);
  } else if (input.credential) {
    const fields = validateCredentialFields(definition, input.credential.method, input.credential.identity ?? {}, input.credential.secrets, "body.credential");
    credential = { method: input.credential.method, ...fields };
  }
  const storageCredential = await resolveStorageCredential(t, env, definition, config, "body");
  return runTest(env, { definition, config, hosts, credential, storageCredential });
}
