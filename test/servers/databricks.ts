import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Started } from "./index";
import { CATALOGS, pgParams, seed } from "./databricks-seed";
import { CatalogDb, SqlFailure, catalogOf, classify, execute, type Executed, type StatementParam } from "./databricks-sql";
import {
  catalogInfo,
  listCatalogNames,
  listSchemaInfos,
  listTableInfos,
  pageOf,
  selfCheck,
  ucError,
  validatedCount,
  violations,
  type UcError,
} from "./databricks-uc";

// Contract server for Databricks: SQL Statement Execution API 2.0, Unity Catalog REST 2.1, SQL
// warehouses and the workspace OAuth token endpoint (docs.databricks.com/api/workspace/statementexecution, /unity-catalog, /warehouses),
// executing SQL on the embedded PostgreSQL.
//
// Test isolation: every path may be prefixed with /s/<scope>; each scope has its own controls,
// request counters and OAuth tokens, so test files running in parallel do not disturb each other.
// Test controls (not part of the Databricks API) live under <prefix>/__test/.

const WAREHOUSE_ID = "abcdef0123456789";
const STOPPED_WAREHOUSE_ID = "0123456789fedcba";
const SERVER_MAX = { catalogs: 1000, schemas: 1000, tables: 50 };

type Controls = {
  delayMs: number; // answer the next delayCount API requests this slowly
  delayCount: number;
  failStatus: number; // answer the next failCount API requests with this status (429 or 503)
  failCount: number;
  retryAfter: number | null; // seconds, sent with failStatus
  chunkRows: number; // rows per result chunk (0 = one chunk)
  pendingPolls: number; // statements answer PENDING/RUNNING for this many status polls
  hang: boolean; // statements never finish (until canceled)
  ucPageSize: number; // server-side page size cap for Unity Catalog lists (0 = default)
  emptyPages: number; // serve this many empty pages (with a next_page_token) before the data
  tokenTtl: number; // seconds an OAuth token lives
};
const initialStates = (): Record<string, string> => ({ [WAREHOUSE_ID]: "RUNNING", [STOPPED_WAREHOUSE_ID]: "STOPPED" });
const DEFAULTS: Controls = {
  delayMs: 0,
  delayCount: 0,
  failStatus: 503,
  failCount: 0,
  retryAfter: null,
  chunkRows: 0,
  pendingPolls: 0,
  hang: false,
  ucPageSize: 0,
  emptyPages: 0,
  tokenTtl: 3600,
};

// Warehouse states per scope: a statement sent to a STOPPED warehouse starts it (as Databricks does,
// and bills it), counted as counts.warehouseStarts; reading the state (GET warehouses/{id}) does not.
type Scope = { controls: Controls; counts: Record<string, number>; tokens: Map<string, number>; states: Record<string, string> };

type Statement = {
  id: string;
  scope: Scope;
  state: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELED" | "CLOSED";
  result?: Executed;
  failure?: SqlFailure;
  pendingPolls: number;
  chunkRows: number;
  pid?: number;
  db?: CatalogDb;
  done: Promise<void>;
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}
const apiError = (status: number, code: string, message: string) => new HttpError(status, { error_code: code, message });
const fromUc = (e: UcError) => new HttpError(e.status, e.body);

// Unref'd: a pending wait_timeout must not keep the test process alive.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export async function start(shared: Record<string, string>): Promise<Started> {
  const params = pgParams(shared, "databricks");
  await seed(params);
  const dbs = new Map<string, CatalogDb>();
  const admin = new CatalogDb(params, params.database);
  const dbFor = (catalog: string) => {
    let db = dbs.get(catalog);
    if (!db) dbs.set(catalog, (db = new CatalogDb(params, catalog)));
    return db;
  };
  const knownCatalogs = async () => (await listCatalogNames(admin)).map((c) => c.name);

  const pat = `dapi${randomBytes(16).toString("hex")}`;
  const patNoAccess = `dapi${randomBytes(16).toString("hex")}`;
  const clientId = randomUUID();
  const clientSecret = `dose${randomBytes(24).toString("hex")}`;

  const scopes = new Map<string, Scope>();
  const scopeOf = (name: string) => {
    let s = scopes.get(name);
    if (!s) scopes.set(name, (s = { controls: { ...DEFAULTS }, counts: { total: 0 }, tokens: new Map(), states: initialStates() }));
    return s;
  };
  const statements = new Map<string, Statement>();

  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  // Bearer tokens: the PAT, a PAT without warehouse access, or a live token minted by /oidc/v1/token.
  function authenticate(req: IncomingMessage, scope: Scope): "full" | "none" {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer (\S+)$/.exec(header);
    if (!m) throw apiError(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.");
    const token = m[1]!;
    if (same(token, pat)) return "full";
    if (same(token, patNoAccess)) return "none";
    const exp = scope.tokens.get(token);
    if (exp !== undefined) {
      if (exp > Date.now()) return "full";
      // The gateway's answer to an expired token is not JSON.
      throw new HttpError(401, "<html><body><h2>HTTP ERROR 401</h2><pre>Token is expired.</pre></body></html>", {
        "content-type": "text/html",
      });
    }
    throw apiError(401, "UNAUTHENTICATED", "Invalid access token.");
  }

  function tokenEndpoint(req: IncomingMessage, body: string, scope: Scope) {
    const fail = (status: number, error: string, description: string) =>
      new HttpError(status, { error, error_description: description });
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? "");
    const form = new URLSearchParams(body);
    let id = form.get("client_id") ?? "";
    let secret = form.get("client_secret") ?? "";
    if (basic) {
      const decoded = Buffer.from(basic[1]!, "base64").toString();
      const i = decoded.indexOf(":");
      id = decodeURIComponent(decoded.slice(0, i));
      secret = decodeURIComponent(decoded.slice(i + 1));
    }
    if (!/^application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? ""))
      throw fail(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
    if (form.get("grant_type") !== "client_credentials") throw fail(400, "unsupported_grant_type", "Only client_credentials is supported");
    if (!same(id, clientId) || !same(secret, clientSecret)) throw fail(401, "invalid_client", "Client authentication failed");
    const scopeParam = form.get("scope") ?? "";
    if (!scopeParam.split(" ").includes("all-apis")) throw fail(400, "invalid_scope", "The requested scope is invalid");
    const token = `eyJ${randomBytes(24).toString("base64url")}`;
    scope.tokens.set(token, Date.now() + scope.controls.tokenTtl * 1000);
    return { access_token: token, token_type: "Bearer", expires_in: scope.controls.tokenTtl, scope: "all-apis" };
  }

  function warehouseInfo(id: string, scope: Scope) {
    const state = scope.states[id] ?? "STOPPED";
    return {
      id,
      name: id === WAREHOUSE_ID ? "Serverless Starter Warehouse" : "Stopped Warehouse",
      state,
      cluster_size: "Small",
      auto_stop_mins: 10,
      min_num_clusters: 1,
      max_num_clusters: 1,
      num_clusters: state === "RUNNING" ? 1 : 0,
      enable_photon: true,
      enable_serverless_compute: true,
      warehouse_type: "PRO",
      creator_name: "admin@example.com",
      odbc_params: { hostname: "127.0.0.1", path: `/sql/1.0/warehouses/${id}`, port: 443, protocol: "https" },
      health: { status: "HEALTHY" },
    };
  }
  const WAREHOUSES = [WAREHOUSE_ID, STOPPED_WAREHOUSE_ID];

  // --- statements -------------------------------------------------------------------------------

  function chunk(st: Statement, index: number) {
    const rows = st.result!.rows;
    const size = st.chunkRows > 0 ? st.chunkRows : Math.max(rows.length, 1);
    const total = Math.ceil(rows.length / size);
    const offset = index * size;
    const data = rows.slice(offset, offset + size);
    const out: Record<string, unknown> = { chunk_index: index, row_offset: offset, row_count: data.length, data_array: data };
    if (index + 1 < total) {
      out.next_chunk_index = index + 1;
      out.next_chunk_internal_link = `/api/2.0/sql/statements/${st.id}/result/chunks/${index + 1}`;
    }
    return { out, total, size };
  }

  function statementResponse(st: Statement, reported = st.state) {
    const body: Record<string, unknown> = { statement_id: st.id, status: { state: reported } };
    if (reported === "FAILED" && st.failure) {
      body.status = {
        state: "FAILED",
        error: { error_code: "BAD_REQUEST", message: st.failure.message },
        sql_state: st.failure.sqlState,
      };
    }
    if (reported === "SUCCEEDED" && st.result) {
      const rows = st.result.rows;
      const { total, size } = chunk(st, 0);
      const chunks = Array.from({ length: total }, (_, i) => ({
        chunk_index: i,
        row_offset: i * size,
        row_count: Math.min(size, rows.length - i * size),
      }));
      body.manifest = {
        format: "JSON_ARRAY",
        schema: { column_count: st.result.columns.length, columns: st.result.columns },
        total_chunk_count: total,
        chunks,
        total_row_count: rows.length,
        truncated: st.result.truncated,
      };
      if (total > 0) body.result = chunk(st, 0).out;
    }
    return body;
  }

  async function executeStatement(req: IncomingMessage, raw: string, scope: Scope) {
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw || "{}");
    } catch {
      throw apiError(400, "MALFORMED_REQUEST", "Could not parse request object: invalid JSON");
    }
    const invalid = (msg: string) => apiError(400, "INVALID_PARAMETER_VALUE", msg);
    if (typeof body.statement !== "string" || !body.statement.trim()) throw invalid("statement is required");
    if (typeof body.warehouse_id !== "string" || !body.warehouse_id) throw invalid("warehouse_id is required");
    const wait = body.wait_timeout ?? "10s";
    const w = /^(\d+)s$/.exec(String(wait));
    const waitSec = w ? Number(w[1]) : NaN;
    if (!(waitSec === 0 || (waitSec >= 5 && waitSec <= 50)))
      throw invalid(`wait_timeout must be 0 seconds (disables wait) or between 5 seconds and 50 seconds. Got: ${String(wait).slice(0, 20)}`);
    const onWait = body.on_wait_timeout ?? "CONTINUE";
    if (!["CONTINUE", "CANCEL"].includes(onWait)) throw invalid(`on_wait_timeout must be CONTINUE or CANCEL`);
    const disposition = body.disposition ?? "INLINE";
    const format = body.format ?? "JSON_ARRAY";
    if (!["INLINE", "EXTERNAL_LINKS"].includes(disposition)) throw invalid(`Invalid disposition: ${disposition}`);
    if (!["JSON_ARRAY", "ARROW_STREAM", "CSV"].includes(format)) throw invalid(`Invalid format: ${format}`);
    if (disposition === "INLINE" && format !== "JSON_ARRAY")
      throw invalid(`The format ${format} is only supported with the EXTERNAL_LINKS disposition.`);
    if (disposition === "EXTERNAL_LINKS") throw apiError(501, "NOT_IMPLEMENTED", "EXTERNAL_LINKS is not available on this server");
    if (body.row_limit !== undefined && !(Number.isInteger(body.row_limit) && body.row_limit >= 0))
      throw invalid("row_limit must be a non-negative integer");
    const params: StatementParam[] = body.parameters ?? [];
    if (!Array.isArray(params)) throw invalid("parameters must be a list");
    for (const p of params) {
      if (!p || typeof p.name !== "string") throw invalid("parameter name is required");
      if (p.value !== undefined && p.value !== null && typeof p.value !== "string") throw invalid(`parameter ${p.name}: value must be a string`);
    }
    if (!WAREHOUSES.includes(body.warehouse_id)) throw apiError(404, "RESOURCE_DOES_NOT_EXIST", `SQL warehouse ${body.warehouse_id} does not exist.`);
    if (scope.states[body.warehouse_id] !== "RUNNING") {
      scope.states[body.warehouse_id] = "RUNNING";
      scope.counts.warehouseStarts = (scope.counts.warehouseStarts ?? 0) + 1;
    }

    const st: Statement = {
      id: randomUUID(),
      scope,
      state: "PENDING",
      pendingPolls: scope.controls.pendingPolls,
      chunkRows: scope.controls.chunkRows,
      done: Promise.resolve(),
    };
    statements.set(st.id, st);
    if (scope.controls.hang) {
      st.state = "RUNNING";
      st.done = new Promise(() => {});
    } else {
      st.state = "RUNNING";
      st.done = (async () => {
        try {
          const catalog = catalogOf(body.statement, await knownCatalogs(), body.catalog ?? "main");
          st.db = dbFor(catalog);
          const result = await execute(st.db, body.statement, params, {
            schema: body.schema,
            rowLimit: body.row_limit,
            onBackend: (pid) => (st.pid = pid),
          });
          if (st.state === "RUNNING") {
            st.result = result;
            st.state = "SUCCEEDED";
          }
        } catch (err) {
          if (st.state === "RUNNING") {
            const f = classify(err);
            if ((err as { code?: string }).code === "57014") st.state = "CANCELED";
            else {
              st.failure = f;
              st.state = "FAILED";
            }
          }
        }
      })();
    }
    if (st.pendingPolls > 0) return { statement_id: st.id, status: { state: "PENDING" } };
    if (waitSec === 0) return { statement_id: st.id, status: { state: "PENDING" } };
    const finished = await Promise.race([st.done.then(() => true), sleep(waitSec * 1000).then(() => false)]);
    if (!finished && onWait === "CANCEL") await cancel(st);
    return statementResponse(st);
  }

  async function cancel(st: Statement) {
    if (st.state === "PENDING" || st.state === "RUNNING") {
      st.state = "CANCELED";
      if (st.pid && st.db) await st.db.pool.query("SELECT pg_cancel_backend($1)", [st.pid]).catch(() => {});
    }
  }

  function statementFor(id: string) {
    const st = statements.get(id);
    if (!st) throw apiError(404, "RESOURCE_DOES_NOT_EXIST", `Statement ${id.slice(0, 64)} does not exist.`);
    return st;
  }

  // --- Unity Catalog ----------------------------------------------------------------------------

  const pageOpts = (scope: Scope, kind: keyof typeof SERVER_MAX) => ({
    specMax: kind === "tables" ? 50 : 1000,
    serverMax: scope.controls.ucPageSize > 0 ? scope.controls.ucPageSize : SERVER_MAX[kind],
    emptyPages: scope.controls.emptyPages,
  });

  async function requireCatalog(name: string | null): Promise<CatalogDb> {
    if (!name) throw fromUc(ucError(400, "INVALID_ARGUMENT", "catalog_name is required"));
    if (!(await knownCatalogs()).includes(name)) throw fromUc(ucError(404, "CATALOG_DOES_NOT_EXIST", `Catalog '${name}' does not exist.`));
    return dbFor(name);
  }

  async function unity(path: string, q: URLSearchParams, scope: Scope): Promise<{ body: unknown; schema: string; kind: string }> {
    const page = (items: Array<Record<string, unknown>>, kind: keyof typeof SERVER_MAX) => {
      const p = pageOf(items, q, pageOpts(scope, kind));
      if ("status" in p) throw fromUc(p);
      return p;
    };
    if (path === "/catalogs") {
      const p = page((await listCatalogNames(admin)).map(catalogInfo), "catalogs");
      return { body: { catalogs: p.page, ...(p.next ? { next_page_token: p.next } : {}) }, schema: "ListCatalogsResponse", kind: "catalogs" };
    }
    let m = /^\/catalogs\/([^/]+)$/.exec(path);
    if (m) {
      const name = decodeURIComponent(m[1]!);
      const c = (await listCatalogNames(admin)).find((x) => x.name === name);
      if (!c) throw fromUc(ucError(404, "CATALOG_DOES_NOT_EXIST", `Catalog '${name}' does not exist.`));
      return { body: catalogInfo(c), schema: "CatalogInfo", kind: "catalog" };
    }
    if (path === "/schemas") {
      const db = await requireCatalog(q.get("catalog_name"));
      const p = page(await listSchemaInfos(db), "schemas");
      return { body: { schemas: p.page, ...(p.next ? { next_page_token: p.next } : {}) }, schema: "ListSchemasResponse", kind: "schemas" };
    }
    m = /^\/schemas\/([^/]+)$/.exec(path);
    if (m) {
      const [cat, schema, ...rest] = decodeURIComponent(m[1]!).split(".");
      const db = await requireCatalog(cat ?? null);
      const found = rest.length ? undefined : (await listSchemaInfos(db)).find((s) => s.name === schema);
      if (!found) throw fromUc(ucError(404, "SCHEMA_DOES_NOT_EXIST", `Schema '${decodeURIComponent(m[1]!)}' does not exist.`));
      return { body: found, schema: "SchemaInfo", kind: "schema" };
    }
    if (path === "/tables") {
      const schemaName = q.get("schema_name");
      const db = await requireCatalog(q.get("catalog_name"));
      if (!schemaName) throw fromUc(ucError(400, "INVALID_ARGUMENT", "schema_name is required"));
      const tables = await listTableInfos(db, schemaName, { omitColumns: q.get("omit_columns") === "true" });
      if (!tables) throw fromUc(ucError(404, "SCHEMA_DOES_NOT_EXIST", `Schema '${db.catalog}.${schemaName}' does not exist.`));
      const p = page(tables, "tables");
      return { body: { tables: p.page, ...(p.next ? { next_page_token: p.next } : {}) }, schema: "ListTablesResponse", kind: "tables" };
    }
    m = /^\/tables\/([^/]+)$/.exec(path);
    if (m) {
      const full = decodeURIComponent(m[1]!);
      const parts = full.split(".");
      if (parts.length !== 3) throw fromUc(ucError(400, "INVALID_ARGUMENT", `Invalid table full name: ${full}`));
      const db = await requireCatalog(parts[0]!);
      const tables = await listTableInfos(db, parts[1]!, { table: parts[2]! });
      if (!tables?.length) throw fromUc(ucError(404, "TABLE_DOES_NOT_EXIST", `Table '${full}' does not exist.`));
      return { body: tables[0], schema: "TableInfo", kind: "table" };
    }
    throw apiError(404, "ENDPOINT_NOT_FOUND", `No API found for 'GET /unity-catalog${path}'`);
  }

  // --- routing ----------------------------------------------------------------------------------

  // The workspace's OAuth metadata (RFC 8414), public: the official SDKs read token_endpoint here first.
  function authorizationServer(origin: string) {
    return {
      issuer: `${origin}/oidc`,
      authorization_endpoint: `${origin}/oidc/v1/authorize`,
      token_endpoint: `${origin}/oidc/v1/token`,
      jwks_uri: `${origin}/oidc/jwks.json`,
      scopes_supported: ["all-apis", "email", "offline_access", "openid", "profile", "sql"],
      response_types_supported: ["code", "id_token"],
      response_modes_supported: ["query", "fragment", "form_post"],
      grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      request_uri_parameter_supported: false,
    };
  }

  async function route(req: IncomingMessage, body: string, scope: Scope, path: string, q: URLSearchParams, origin: string): Promise<unknown> {
    const method = req.method ?? "GET";
    const count = (kind: string) => {
      scope.counts[kind] = (scope.counts[kind] ?? 0) + 1;
      scope.counts.total = (scope.counts.total ?? 0) + 1;
    };
    // Control: answer slowly, or refuse with 429/503, before anything else.
    const c = scope.controls;
    const isToken = path === "/oidc/v1/token";
    if (c.delayCount > 0) {
      c.delayCount--;
      await sleep(c.delayMs);
    }
    if (!isToken && c.failCount > 0) {
      c.failCount--;
      count("refused");
      const headers: Record<string, string> = c.retryAfter !== null ? { "retry-after": String(c.retryAfter) } : {};
      throw c.failStatus === 429
        ? new HttpError(429, { error_code: "REQUEST_LIMIT_EXCEEDED", message: "Too many requests. Please wait and retry." }, headers)
        : new HttpError(503, { error_code: "TEMPORARILY_UNAVAILABLE", message: "The service is temporarily unavailable." }, headers);
    }
    if (path === "/oidc/.well-known/oauth-authorization-server" && method === "GET") {
      count("oauthMetadata");
      return authorizationServer(origin);
    }
    if (isToken && method === "POST") {
      count("token");
      return tokenEndpoint(req, body, scope);
    }
    let access: "full" | "none";
    try {
      access = authenticate(req, scope);
    } catch (err) {
      count("unauthenticated");
      throw err;
    }
    const denied = () => apiError(403, "PERMISSION_DENIED", `User does not have CAN_USE permission on warehouse ${WAREHOUSE_ID}.`);

    if (path === "/api/2.0/sql/warehouses" && method === "GET") {
      count("warehouses");
      const size = Number(q.get("page_size") ?? 0) || WAREHOUSES.length;
      const start = Number(q.get("page_token") ?? 0) || 0;
      const ids = WAREHOUSES.slice(start, start + size);
      return { warehouses: ids.map((id) => warehouseInfo(id, scope)), ...(start + size < WAREHOUSES.length ? { next_page_token: String(start + size) } : {}) };
    }
    let m = /^\/api\/2\.0\/sql\/warehouses\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      count("warehouse");
      const id = decodeURIComponent(m[1]!);
      if (!WAREHOUSES.includes(id)) throw apiError(404, "RESOURCE_DOES_NOT_EXIST", `SQL warehouse ${id.slice(0, 64)} does not exist.`);
      if (access === "none") throw denied();
      return warehouseInfo(id, scope);
    }
    if (/^\/api\/2\.0\/sql\/statements\/?$/.test(path) && method === "POST") {
      count("execute");
      if (access === "none") throw denied();
      return executeStatement(req, body, scope);
    }
    m = /^\/api\/2\.0\/sql\/statements\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      count("get");
      const st = statementFor(m[1]!);
      if (st.pendingPolls > 0) {
        st.pendingPolls--;
        return { statement_id: st.id, status: { state: "RUNNING" } };
      }
      return statementResponse(st);
    }
    m = /^\/api\/2\.0\/sql\/statements\/([^/]+)\/result\/chunks\/(\d+)$/.exec(path);
    if (m && method === "GET") {
      count("chunk");
      const st = statementFor(m[1]!);
      if (st.state !== "SUCCEEDED" || !st.result) throw apiError(400, "INVALID_STATE", `Statement ${st.id} has no result available (state ${st.state}).`);
      const index = Number(m[2]);
      const { out, total } = chunk(st, index);
      if (index >= total) throw apiError(400, "INVALID_PARAMETER_VALUE", `chunk_index ${index} is out of range (total_chunk_count ${total}).`);
      return out;
    }
    m = /^\/api\/2\.0\/sql\/statements\/([^/]+)\/cancel$/.exec(path);
    if (m && method === "POST") {
      count("cancel");
      await cancel(statementFor(m[1]!));
      return {};
    }
    if (path.startsWith("/api/2.1/unity-catalog/") && method === "GET") {
      const r = await unity(path.slice("/api/2.1/unity-catalog".length), q, scope);
      count(r.kind);
      selfCheck(r.schema, r.body, `GET ${path}`);
      return r.body;
    }
    count("unknown");
    throw apiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${path.slice(0, 200)}'`);
  }

  function control(method: string, path: string, body: string, scope: Scope, scopeName: string): unknown {
    if (path === "/__test/control" && method === "POST") {
      const { states, ...controls } = JSON.parse(body || "{}");
      Object.assign(scope.controls, controls);
      if (states) Object.assign(scope.states, states);
      return { scope: scopeName, controls: scope.controls };
    }
    if (path === "/__test/reset" && method === "POST") {
      scope.controls = { ...DEFAULTS };
      scope.counts = { total: 0 };
      scope.states = initialStates();
      return {};
    }
    if (path === "/__test/stats") return { ...scope.counts };
    if (path === "/__test/expire-tokens" && method === "POST") {
      for (const t of scope.tokens.keys()) scope.tokens.set(t, 0);
      return { expired: scope.tokens.size };
    }
    if (path === "/__test/violations") return { validated: validatedCount, violations };
    if (path === "/__test/statements") {
      return [...statements.values()].filter((st) => st.scope === scope).map((st) => ({ id: st.id, state: st.state }));
    }
    const m = /^\/__test\/statements\/([^/]+)$/.exec(path);
    if (m) {
      const st = statements.get(m[1]!);
      return st ? { state: st.state, scope: st.scope === scope } : { state: null };
    }
    throw apiError(404, "ENDPOINT_NOT_FOUND", "unknown test control");
  }

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://localhost");
      let path = url.pathname;
      let scopeName = "default";
      const sm = /^\/s\/([A-Za-z0-9_-]{1,64})(\/.*)$/.exec(path);
      if (sm) {
        scopeName = sm[1]!;
        path = sm[2]!;
      }
      const scope = scopeOf(scopeName);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        if (res.headersSent || res.destroyed) return;
        const isText = typeof payload === "string";
        res.writeHead(status, { "content-type": isText ? "text/plain" : "application/json", ...headers });
        res.end(isText ? payload : JSON.stringify(payload));
      };
      try {
        const out = path.startsWith("/__test/")
          ? control(req.method ?? "GET", path, body, scope, scopeName)
          : await route(req, body, scope, path, url.searchParams, `http://${req.headers.host ?? "127.0.0.1"}${sm ? `/s/${scopeName}` : ""}`);
        send(200, out);
      } catch (err) {
        if (err instanceof HttpError) send(err.status, err.body, err.headers);
        else send(500, { error_code: "INTERNAL_ERROR", message: (err as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    addresses: {
      databricksEndpoint: `http://127.0.0.1:${port}`,
      databricksHost: "127.0.0.1",
      databricksWarehouseId: WAREHOUSE_ID,
      databricksStoppedWarehouseId: STOPPED_WAREHOUSE_ID,
      databricksPat: pat,
      databricksPatNoAccess: patNoAccess,
      databricksClientId: clientId,
      databricksClientSecret: clientSecret,
      databricksCatalogs: CATALOGS.map((c) => c.name).join(","),
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([admin, ...dbs.values()].map((d) => d.pool.end().catch(() => {})));
    },
  };
}
