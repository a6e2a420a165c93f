import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, verify as rsaVerify, type KeyObject } from "node:crypto";
import { gzipSync } from "node:zlib";
import pg from "pg";
import type { Started } from "./index";
import { READER_ROLE, SF_DATABASES, pgParams, seed } from "./snowflake-seed";
import {
  type ColumnInfo,
  type RowTypeEntry,
  type Session,
  type SfFailure,
  encoderFor,
  likeToRegExp,
  parseShowDatabases,
  pgErrorToSnowflake,
  pgTypeLookup,
  splitStatements,
  translate,
} from "./snowflake-sql";
import { runShow, type WarehouseState } from "./snowflake-show";
import { SpecValidator } from "./snowflake-spec";

// Contract server for the Snowflake SQL API v2 (docs.snowflake.com/en/developer-guide/sql-api/reference; schemas in specs/), on
// loopback, executing statements on the embedded PostgreSQL.
//
// Statement API:   [/s/<scope>]/api/v2/statements[/<handle>[/cancel]]
//   The optional /s/<scope> prefix (part of the connector's `endpoint`) isolates test settings and
//   request counters per test; everything else follows the wire format.
// Test controls (no auth, loopback only):
//   POST /__control/scopes/<scope>  {reset?, syncWindowMs?, delayMs?, partitionRows?,
//                                    fail?: {status, count, retryAfter?, afterExecute?}, expireJwts?: true}
//                                    warehouses?: {TEST_WH: "SUSPENDED"|"STARTED"}}
//   GET  /__control/scopes/<scope>  -> counters {requests:{total,post,get,partition,cancel}, executions, jwts, cancels, statuses,
//                                    computeStatements (statements that needed a warehouse), resumes, warehouses}
//   POST /__control/tokens {kind: "pat"|"oauth"} -> {token};  POST /__control/tokens/expire {token}
//   GET  /__control/violations      -> {specLoaded, checked, violations}  (self-check against the spec)

const ACCOUNT = "TESTORG-TESTACCT";
const LOCATOR = "XY12345";
const USER = "TEST_USER";
const WAREHOUSES = ["TEST_WH", "OTHER_WH"];
const ROLE_DATABASES: Record<string, string[]> = {
  PUBLIC: SF_DATABASES.map((d) => d.name),
  ANALYST: SF_DATABASES.map((d) => d.name),
  NOACCESS: [],
};
const DEFAULT_ROLE = "ANALYST";
const DEFAULT_WAREHOUSE = "TEST_WH";
const SYNC_LIMIT_MS = 45_000;
const DEFAULT_TIMEOUT_S = 172_800; // STATEMENT_TIMEOUT_IN_SECONDS default
const MAX_TIMEOUT_S = 604_800;

type Scope = {
  syncWindowMs: number;
  delayMs: number;
  partitionRows: number;
  fail: { status: number; count: number; retryAfter?: number; afterExecute?: boolean } | null;
  jwtCutoff: number | null; // JWTs with iat <= cutoff are expired in this scope
  maxJwtIat: number;
  requests: { total: number; post: number; get: number; partition: number; cancel: number };
  executions: number;
  jwts: Set<string>;
  cancels: string[];
  statuses: number[];
  tokenTypes: string[];
  // Warehouse states in this scope. A statement that needs compute resumes a suspended warehouse
  // (AUTO_RESUME = TRUE, Snowflake's default) and is counted; metadata commands need none.
  warehouses: Record<string, WarehouseState>;
  computeStatements: number;
  resumes: number;
};

type Result = { rowType: RowTypeEntry[]; partitions: (string | null)[][][]; numRows: number };
type Stmt = {
  handle: string;
  createdOn: number;
  status: "running" | "success" | "failed";
  timedOut: boolean;
  result?: Result;
  failure?: SfFailure;
  done: Promise<void>;
  abort: AbortController;
};

const newScope = (): Scope => ({
  syncWindowMs: 5000,
  delayMs: 0,
  partitionRows: 1000,
  fail: null,
  jwtCutoff: null,
  maxJwtIat: 0,
  requests: { total: 0, post: 0, get: 0, partition: 0, cancel: 0 },
  executions: 0,
  jwts: new Set(),
  cancels: [],
  statuses: [],
  tokenTypes: [],
  warehouses: Object.fromEntries(WAREHOUSES.map((w) => [w, "STARTED" as WarehouseState])),
  computeStatements: 0,
  resumes: 0,
});

const hex = (n: number) => randomBytes(n).toString("hex");
const newHandle = () => `01${hex(3)}-${hex(2)}-${hex(2)}-0000-${hex(6)}`;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fingerprint(pub: KeyObject): string {
  return "SHA256:" + createHash("sha256").update(pub.export({ format: "der", type: "spki" })).digest("base64");
}

const b64urlJson = (s: string) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

export async function start(shared: Record<string, string>): Promise<Started> {
  const params = pgParams(shared, "snowflake");
  await seed(params);
  const pools = new Map<string, pg.Pool>();
  for (const db of SF_DATABASES) {
    const pool = new pg.Pool({ ...params, database: db.name, max: 8, options: "-c TimeZone=UTC -c DateStyle=ISO,YMD" });
    // PostgreSQL dropping idle connections (at shutdown) is not a crash of the server.
    pool.on("error", () => {});
    pools.set(db.name, pool);
  }
  const typeNames = new Map<string, Map<number, string>>();
  for (const [name, pool] of pools) {
    const r = await pool.query("SELECT oid::int AS oid, typname FROM pg_type");
    typeNames.set(name, new Map(r.rows.map((x) => [x.oid as number, x.typname as string])));
  }

  // Keys: two registered for the user (RSA_PUBLIC_KEY, RSA_PUBLIC_KEY_2), one not registered.
  const passphrase = `pp-${hex(8)}`;
  const k1 = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const k2 = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const k3 = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const registered = new Map<string, KeyObject>([
    [fingerprint(k1.publicKey), k1.publicKey],
    [fingerprint(createPublicKey(k2.publicKey)), createPublicKey(k2.publicKey)],
  ]);
  const tokens = new Map<string, { kind: "pat" | "oauth"; expired: boolean }>();
  const mint = (kind: "pat" | "oauth") => {
    const token = kind === "pat" ? `pat_${hex(24)}` : `oauth_${hex(24)}`;
    tokens.set(token, { kind, expired: false });
    return token;
  };
  const pat = mint("pat");
  const oauth = mint("oauth");

  const scopes = new Map<string, Scope>();
  const scopeOf = (name: string) => {
    let s = scopes.get(name);
    if (!s) scopes.set(name, (s = newScope()));
    return s;
  };
  const statements = new Map<string, Stmt>();
  const byRequestId = new Map<string, string>();
  const spec = new SpecValidator();

  // ---- responses ----------------------------------------------------------------------------
  const send = (res: ServerResponse, scope: Scope | null, status: number, body: unknown, headers: Record<string, string> = {}) => {
    scope?.statuses.push(status);
    if (body === undefined) {
      res.writeHead(status, { "Content-Length": "0", ...headers });
      return res.end();
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
  const statusUrl = (h: string, partition?: number) =>
    `/api/v2/statements/${h}?requestId=${randomUUID()}${partition !== undefined ? `&partition=${partition}` : ""}`;
  const queryStatus = (s: Stmt) => ({
    code: "333334",
    message: "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
    statementHandle: s.handle,
    statementStatusUrl: `/api/v2/statements/${s.handle}`,
    createdOn: s.createdOn,
  });
  const failureStatus = (s: Stmt) => ({
    code: s.failure!.code,
    message: s.failure!.message,
    sqlState: s.failure!.sqlState,
    statementHandle: s.handle,
    createdOn: s.createdOn,
    statementStatusUrl: `/api/v2/statements/${s.handle}`,
  });
  const resultSet = (s: Stmt) => {
    const r = s.result!;
    const partitionInfo = r.partitions.map((p) => ({ rowCount: p.length, uncompressedSize: Buffer.byteLength(JSON.stringify(p)) }));
    return {
      resultSetMetaData: { numRows: r.numRows, format: "jsonv2", partitionInfo, rowType: r.rowType },
      data: r.partitions[0] ?? [],
      code: "090001",
      statementStatusUrl: statusUrl(s.handle, 0),
      requestId: randomUUID(),
      sqlState: "00000",
      statementHandle: s.handle,
      message: "Statement executed successfully.",
      createdOn: s.createdOn,
    };
  };
  const link = (s: Stmt) => {
    const n = s.result!.partitions.length;
    const e = [`<${statusUrl(s.handle, 0)}>; rel="first"`];
    if (n > 1) e.push(`<${statusUrl(s.handle, 1)}>; rel="next"`);
    e.push(`<${statusUrl(s.handle, n - 1)}>; rel="last"`);
    return e.join(",");
  };
  const replyFor = (res: ServerResponse, scope: Scope, s: Stmt, method: "POST" | "GET", label: string) => {
    if (s.status === "running") {
      const body = queryStatus(s);
      spec.check("QueryStatus", body, `${label} 202`);
      return send(res, scope, 202, body);
    }
    if (s.status === "failed") {
      if (s.timedOut && method === "POST") {
        const body = { ...queryStatus(s), code: s.failure!.code, sqlState: s.failure!.sqlState, message: s.failure!.message };
        spec.check("QueryStatus", body, `${label} 408`);
        return send(res, scope, 408, body);
      }
      const body = failureStatus(s);
      spec.check("QueryFailureStatus", body, `${label} 422`);
      return send(res, scope, 422, body);
    }
    const body = resultSet(s);
    spec.check("ResultSet", body, `${label} 200`);
    return send(res, scope, 200, body, { Link: link(s) });
  };

  // ---- authentication ---------------------------------------------------------------------------
  type AuthOk = { ok: true; user: string; type: string };
  type AuthFail = { ok: false; status: number; body: { code: string; message: string } };
  const authFail = (code: string, message: string): AuthFail => ({ ok: false, status: 401, body: { code, message: `${message} [${randomUUID()}]` } });

  function verifyJwt(token: string, scope: Scope): AuthOk | AuthFail {
    const invalid = authFail("390144", "JWT token is invalid.");
    const parts = token.split(".");
    if (parts.length !== 3) return invalid;
    let header: { alg?: string };
    let payload: { iss?: unknown; sub?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = b64urlJson(parts[0]!);
      payload = b64urlJson(parts[1]!);
    } catch {
      return invalid;
    }
    if (header.alg !== "RS256") return invalid;
    if (typeof payload.iss !== "string" || typeof payload.sub !== "string") return invalid;
    const m = /^([^.]+)\.([^.]+)\.(SHA256:.+)$/.exec(payload.iss);
    if (!m) return invalid;
    const [, account, user, fp] = m as unknown as [string, string, string, string];
    if (account !== ACCOUNT && account !== LOCATOR) return invalid; // must be uppercase, no region, no dots
    if (user !== USER) return invalid;
    if (payload.sub !== `${account}.${user}`) return invalid;
    const key = registered.get(fp);
    if (!key) return invalid;
    const ok = rsaVerify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, "base64url"));
    if (!ok) return invalid;
    if (typeof payload.iat !== "number" || typeof payload.exp !== "number") return invalid;
    const unit = (v: number) => (v > 1e11 ? v / 1000 : v); // seconds or milliseconds
    const iat = unit(payload.iat);
    const exp = unit(payload.exp);
    const now = Date.now() / 1000;
    if (exp - iat > 3600 || exp <= iat) return invalid;
    if (iat > now + 60) return invalid;
    if (exp <= now || (scope.jwtCutoff !== null && iat <= scope.jwtCutoff)) return authFail("390198", "Keypair access token expired.");
    scope.maxJwtIat = Math.max(scope.maxJwtIat, iat);
    scope.jwts.add(token);
    return { ok: true, user, type: "KEYPAIR_JWT" };
  }

  function authenticate(req: IncomingMessage, scope: Scope): AuthOk | AuthFail {
    const h = req.headers.authorization;
    if (!h) return authFail("390101", "Authorization header not found in the request.");
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m) return authFail("390101", "Authorization header is not a bearer token.");
    const token = m[1]!;
    let type = String(req.headers["x-snowflake-authorization-token-type"] ?? "").toUpperCase();
    if (!type) {
      // Docs: Snowflake determines the token type by examining the token.
      try {
        const p = b64urlJson(token.split(".")[1] ?? "");
        type = typeof p.iss === "string" && p.iss.includes(".SHA256:") ? "KEYPAIR_JWT" : "";
      } catch {
        type = "";
      }
      if (!type) type = tokens.get(token)?.kind === "pat" ? "PROGRAMMATIC_ACCESS_TOKEN" : "OAUTH";
    }
    scope.tokenTypes.push(type);
    if (type === "KEYPAIR_JWT") return verifyJwt(token, scope);
    if (type === "OAUTH" || type === "PROGRAMMATIC_ACCESS_TOKEN") {
      const kind = type === "OAUTH" ? "oauth" : "pat";
      const label = kind === "oauth" ? "OAuth access token" : "programmatic access token";
      const t = tokens.get(token);
      if (!t || t.kind !== kind) return authFail("390303", `Invalid ${label}.`);
      if (t.expired) return authFail("390318", `${label[0]!.toUpperCase()}${label.slice(1)} expired.`);
      return { ok: true, user: USER, type };
    }
    return authFail("390144", "Unsupported authorization token type.");
  }

  // ---- execution ----------------------------------------------------------------------------------
  const fail = (code: string, sqlState: string, message: string): SfFailure => ({ code, sqlState, message });

  async function schemaExists(db: string, schema: string): Promise<boolean> {
    const r = await pools.get(db)!.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    return (r.rowCount ?? 0) > 0;
  }

  function showDatabases(sql: string, session: Session): Result | SfFailure | null {
    const show = parseShowDatabases(sql);
    if (!show) return null;
    const allowed = ROLE_DATABASES[session.role] ?? [];
    let list = SF_DATABASES.filter((d) => allowed.includes(d.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (show.like !== undefined) list = list.filter((d) => likeToRegExp(show.like!).test(d.name));
    if (show.startsWith !== undefined) list = list.filter((d) => d.name.startsWith(show.startsWith!));
    if (show.from !== undefined) list = list.filter((d) => d.name > show.from!);
    if (show.limit !== undefined) list = list.slice(0, show.limit);
    const text = (name: string): RowTypeEntry => ({
      name, database: "", schema: "", table: "", type: "text", scale: null, precision: null, length: 16777216, byteLength: 16777216, nullable: true, collation: null,
    });
    const rowType: RowTypeEntry[] = [
      { ...text("created_on"), type: "timestamp_ltz", length: null, byteLength: null, precision: 0, scale: 3 },
      ...["name", "is_default", "is_current", "origin", "owner", "comment", "options", "retention_time", "kind"].map(text),
    ];
    const rows = list.map((d) => ["1704067200.000000000", d.name, "N", d.name === session.database ? "Y" : "N", "", "SYSADMIN", d.comment, "", "1", "STANDARD"]);
    return { rowType, partitions: [rows], numRows: rows.length };
  }

  async function run(
    statement: string,
    body: Record<string, unknown>,
    session: Session,
    scope: Scope,
    nullable: boolean,
    timeoutS: number,
    signal: AbortSignal,
  ): Promise<Result | SfFailure> {
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    const mscKey = Object.keys(parameters).find((k) => k.toLowerCase() === "multi_statement_count");
    const msc = mscKey === undefined ? 1 : Number(parameters[mscKey]);
    const stmts = splitStatements(statement);
    if (stmts.length === 0) return fail("000900", "42000", "SQL compilation error:\nEmpty SQL statement.");
    if (msc !== 0 && stmts.length !== msc) {
      return fail("000008", "0A000", `Actual statement count ${stmts.length} did not match the desired statement count ${msc}.`);
    }
    if (stmts.length !== 1) return fail("000002", "0A000", "Unsupported feature: multi-statement requests are not implemented by this contract server.");
    const sql = stmts[0]!;
    if (scope.delayMs > 0) await sleep(scope.delayMs, signal);
    if (signal.aborted) return fail("000604", "57014", "SQL execution canceled");
    scope.executions++;
    const shown = showDatabases(sql, session);
    if (shown) return shown;
    const showed = await runShow(sql, session, { pools, readerRole: READER_ROLE, databases: ROLE_DATABASES[session.role] ?? [], warehouses: scope.warehouses });
    if (showed) return showed;
    if (/^\s*show\b/i.test(sql)) return fail("001003", "42000", "SQL compilation error:\nsyntax error: this contract server only knows SHOW DATABASES, SCHEMAS, TABLES, VIEWS, COLUMNS and WAREHOUSES.");
    const tr = translate(sql, session);
    if (tr.databases.length > 1) return fail("000002", "0A000", "Unsupported feature: cross-database statements are not implemented by this contract server.");
    const db = tr.database;
    const allowed = ROLE_DATABASES[session.role] ?? [];
    if (tr.databases.length && (!db || !pools.has(db) || !allowed.includes(db))) {
      return fail("002003", "02000", `SQL compilation error:\nDatabase '${db}' does not exist or not authorized.`);
    }
    if (tr.usesTables && !session.warehouse) {
      return fail("000606", "57P03", "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n");
    }
    if (tr.usesTables) {
      scope.computeStatements++;
      if (scope.warehouses[session.warehouse!] === "SUSPENDED") {
        scope.warehouses[session.warehouse!] = "STARTED";
        scope.resumes++;
      }
    }
    if (tr.usesTables && !db) {
      return fail("090105", "22000", "Cannot perform SELECT. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.");
    }
    const bindings = (body.bindings ?? {}) as Record<string, { type?: string; value?: unknown }>;
    const values: string[] = [];
    for (let i = 1; i <= tr.params; i++) {
      const b = bindings[String(i)];
      if (!b) return fail("002049", "42601", `SQL compilation error: error line 1 at position 0\nBind variable ? not set.`);
      const v = String(b.value);
      const type = String(b.type ?? "").toUpperCase();
      const okValue =
        type === "TEXT" ||
        (type === "FIXED" && /^-?\d+$/.test(v)) ||
        (type === "REAL" && !Number.isNaN(Number(v))) ||
        (type === "BOOLEAN" && /^(true|false)$/i.test(v));
      if (!okValue) return fail("100037", "22018", `${type} value '${v}' is not recognized`);
      values.push(v);
    }
    const pool = pools.get(db ?? SF_DATABASES[0]!.name)!;
    const types = typeNames.get(db ?? SF_DATABASES[0]!.name)!;
    const client = await pool.connect();
    try {
      await client.query("BEGIN READ ONLY");
      await client.query(`SET LOCAL ROLE ${READER_ROLE}`);
      await client.query(`SET LOCAL statement_timeout = ${Math.min(timeoutS, 3600) * 1000}`);
      if (session.schema && db === session.database) await client.query(`SET LOCAL search_path = "${session.schema.replace(/"/g, '""')}"`);
      let r: pg.QueryArrayResult;
      try {
        r = await client.query({ text: tr.sql, values, rowMode: "array", types: { getTypeParser: () => (v: string) => v } } as pg.QueryArrayConfig);
      } catch (err) {
        return pgErrorToSnowflake(err as { code?: string; message?: string; position?: string }, db);
      }
      const cols = await pgTypeLookup(client)(r.fields);
      await client.query("COMMIT");
      const rows = r.rows as (string | null)[][];
      const rowType: RowTypeEntry[] = [];
      const encoders = r.fields.map((f, i) => {
        const col: ColumnInfo | undefined = f.tableID ? cols.get(`${f.tableID}:${f.columnID}`) : undefined;
        const typname = col?.typname ?? types.get(f.dataTypeID) ?? "text";
        const enc = encoderFor(typname, col?.typmod ?? f.dataTypeModifier, rows.map((row) => row[i] ?? null));
        rowType.push({
          name: f.name,
          database: col && db ? db : "",
          schema: col?.schema ?? "",
          table: col?.table ?? "",
          nullable: col ? !col.notNull : true,
          ...enc.entry,
        });
        return enc.encode;
      });
      const data = rows.map((row) => row.map((v, i) => (v === null ? (nullable ? null : "null") : encoders[i]!(v))));
      const partitions: (string | null)[][][] = [];
      for (let i = 0; i < data.length; i += scope.partitionRows) partitions.push(data.slice(i, i + scope.partitionRows));
      if (partitions.length === 0) partitions.push([]);
      return { rowType, partitions, numRows: data.length };
    } finally {
      await client.query("ROLLBACK").catch(() => {});
      client.release();
    }
  }

  // ---- request handling ---------------------------------------------------------------------------
  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 4 * 1024 * 1024) throw new Error("too large");
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  const badPayload = { code: "390142", message: "Incoming request does not contain a valid payload." };

  async function handleStatements(req: IncomingMessage, res: ServerResponse, url: URL, scopeName: string, handle?: string, cancel?: boolean) {
    const scope = scopeOf(scopeName);
    const method = req.method ?? "GET";
    scope.requests.total++;
    if (!handle && method !== "POST") return send(res, scope, 405, undefined);
    if (handle && !cancel && method !== "GET") return send(res, scope, 405, undefined);
    if (cancel && method !== "POST") return send(res, scope, 405, undefined);
    const partitionParam = url.searchParams.get("partition");
    if (!handle) scope.requests.post++;
    else if (cancel) scope.requests.cancel++;
    else if (partitionParam !== null && partitionParam !== "0") scope.requests.partition++;
    else scope.requests.get++;

    const bodyText = await readBody(req);
    // Injected failures (429/5xx) for the next N requests of this scope.
    const injected = scope.fail && scope.fail.count > 0 && !scope.fail.afterExecute ? scope.fail : null;
    if (injected) {
      injected.count--;
      const headers: Record<string, string> = injected.retryAfter !== undefined ? { "Retry-After": String(injected.retryAfter) } : {};
      return send(res, scope, injected.status, injected.status === 429 ? { code: "390505", message: "Too many requests." } : undefined, headers);
    }

    const auth = authenticate(req, scope);
    if (!auth.ok) return send(res, scope, auth.status, auth.body);
    if (!req.headers["user-agent"]) return send(res, scope, 400, { code: "390142", message: "The User-Agent header is required." });
    const accept = String(req.headers.accept ?? "");
    if (!/application\/json|\*\/\*/.test(accept)) return send(res, scope, 400, { code: "390142", message: "The Accept header must allow application/json." });
    const requestId = url.searchParams.get("requestId");
    if (requestId !== null && !UUID_RE.test(requestId)) return send(res, scope, 400, badPayload);

    if (cancel) {
      const s = statements.get(handle!);
      if (!s || s.status !== "running") {
        const body = { code: "000709", message: `Statement ${handle} not found`, sqlState: "02000", statementHandle: handle! };
        spec.check("CancelStatus", body, "cancel 422");
        return send(res, scope, 422, body);
      }
      s.status = "failed";
      s.failure = fail("000604", "57014", "SQL execution canceled");
      s.abort.abort();
      scope.cancels.push(s.handle);
      const body = { code: "000604", sqlState: "57014", message: "SQL execution canceled", statementHandle: s.handle, statementStatusUrl: `/api/v2/statements/${s.handle}` };
      spec.check("CancelStatus", body, "cancel 200");
      return send(res, scope, 200, body);
    }

    if (handle) {
      if (url.searchParams.has("nullable")) return send(res, scope, 400, badPayload);
      const s = statements.get(handle);
      if (!s) {
        const body = { code: "000709", message: `Statement ${handle} not found`, sqlState: "02000", statementHandle: handle };
        spec.check("QueryFailureStatus", body, "GET 422");
        return send(res, scope, 422, body);
      }
      const partition = partitionParam === null ? 0 : Number(partitionParam);
      if (!Number.isInteger(partition) || partition < 0) return send(res, scope, 400, badPayload);
      if (partition > 0 && s.status === "success") {
        const parts = s.result!.partitions;
        if (partition >= parts.length) return send(res, scope, 400, { code: "390142", message: `Partition ${partition} does not exist.` });
        const body = { data: parts[partition] };
        spec.check("ResultSet", body, "GET partition 200");
        const gz = gzipSync(JSON.stringify(body));
        scope.statuses.push(200);
        res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": String(gz.length) });
        return res.end(gz);
      }
      return replyFor(res, scope, s, "GET", "GET");
    }

    // POST /api/v2/statements
    const ctype = req.headers["content-type"];
    if (ctype && !/^application\/json\b/i.test(ctype)) return send(res, scope, 415, undefined);
    let body: Record<string, unknown>;
    try {
      body = bodyText ? JSON.parse(bodyText) : {};
    } catch {
      return send(res, scope, 400, badPayload);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return send(res, scope, 400, badPayload);
    if (typeof body.statement !== "string") return send(res, scope, 400, badPayload);
    for (const k of ["database", "schema", "warehouse", "role"]) if (body[k] !== undefined && typeof body[k] !== "string") return send(res, scope, 400, badPayload);
    if (body.timeout !== undefined && (!Number.isInteger(body.timeout) || (body.timeout as number) < 0 || (body.timeout as number) > MAX_TIMEOUT_S)) {
      return send(res, scope, 400, badPayload);
    }
    if (body.bindings !== undefined && (typeof body.bindings !== "object" || body.bindings === null)) return send(res, scope, 400, badPayload);
    if (body.parameters !== undefined) {
      if (typeof body.parameters !== "object" || body.parameters === null) return send(res, scope, 400, badPayload);
      for (const [k, v] of Object.entries(body.parameters as Record<string, unknown>)) {
        if (k.toLowerCase() === "multi_statement_count" && !/^\d+$/.test(String(v))) return send(res, scope, 400, badPayload);
      }
    }
    const asyncMode = url.searchParams.get("async") === "true";
    const nullable = url.searchParams.get("nullable") !== "false";
    const retry = url.searchParams.get("retry") === "true";

    // Session context: role must be granted; unknown warehouse/database/schema leave the session without one.
    const role = (body.role as string | undefined) ?? DEFAULT_ROLE;
    if (!(role in ROLE_DATABASES)) {
      const b = { code: "390189", message: `Role '${role}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`, sqlState: "08004", statementHandle: newHandle() };
      spec.check("QueryFailureStatus", b, "POST 422 role");
      return send(res, scope, 422, b);
    }
    const wh = (body.warehouse as string | undefined) ?? DEFAULT_WAREHOUSE;
    let database = (body.database as string | undefined) ?? null;
    if (database && (!pools.has(database) || !ROLE_DATABASES[role]!.includes(database))) database = null;
    let schema = (body.schema as string | undefined) ?? null;
    if (schema && (!database || !(await schemaExists(database, schema)))) schema = null;
    const session: Session = { user: auth.user, role, warehouse: WAREHOUSES.includes(wh) ? wh : null, database, schema, account: ACCOUNT };

    let s: Stmt | undefined;
    if (retry && requestId && byRequestId.has(requestId)) s = statements.get(byRequestId.get(requestId)!);
    if (!s) {
      const timeoutS = body.timeout === undefined ? DEFAULT_TIMEOUT_S : (body.timeout as number) === 0 ? MAX_TIMEOUT_S : (body.timeout as number);
      const abort = new AbortController();
      const stmt: Stmt = { handle: newHandle(), createdOn: Date.now(), status: "running", timedOut: false, abort, done: Promise.resolve() };
      s = stmt;
      statements.set(stmt.handle, stmt);
      if (requestId) byRequestId.set(requestId, stmt.handle);
      const timer = setTimeout(() => {
        if (stmt.status !== "running") return;
        stmt.status = "failed";
        stmt.timedOut = true;
        stmt.failure = fail("000630", "57014", `Statement reached its statement or warehouse timeout of ${timeoutS} second(s) and was canceled.`);
        abort.abort();
      }, timeoutS * 1000);
      timer.unref();
      stmt.done = run(body.statement as string, body, session, scope, nullable, timeoutS, abort.signal)
        .catch((err): SfFailure => fail("000603", "XX000", `SQL execution internal error: ${(err as Error).message}`))
        .then((out) => {
          clearTimeout(timer);
          if (stmt.status !== "running") return;
          if ("rowType" in out) {
            stmt.status = "success";
            stmt.result = out;
          } else {
            stmt.status = "failed";
            stmt.failure = out;
          }
        });
    }
    if (!asyncMode) {
      const window = Math.min(scope.syncWindowMs, SYNC_LIMIT_MS);
      const timeoutReached = new Promise<void>((resolve) => s!.abort.signal.addEventListener("abort", () => resolve()));
      await Promise.race([s.done, sleep(window), timeoutReached]);
    }
    const after = scope.fail && scope.fail.count > 0 && scope.fail.afterExecute ? scope.fail : null;
    if (after) {
      after.count--;
      return send(res, scope, after.status, undefined);
    }
    return replyFor(res, scope, s, "POST", "POST");
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string) {
    const body = req.method === "POST" ? JSON.parse((await readBody(req)) || "{}") : {};
    const m = /^\/__control\/scopes\/([A-Za-z0-9_-]+)$/.exec(path);
    if (m) {
      if (req.method === "POST") {
        if (body.reset) scopes.set(m[1]!, newScope());
        const s = scopeOf(m[1]!);
        if (body.syncWindowMs !== undefined) s.syncWindowMs = body.syncWindowMs;
        if (body.delayMs !== undefined) s.delayMs = body.delayMs;
        if (body.partitionRows !== undefined) s.partitionRows = body.partitionRows;
        if (body.fail !== undefined) s.fail = body.fail;
        if (body.expireJwts) s.jwtCutoff = s.maxJwtIat;
        if (body.warehouses) Object.assign(s.warehouses, body.warehouses);
      }
      const s = scopeOf(m[1]!);
      return send(res, null, 200, {
        requests: s.requests,
        executions: s.executions,
        jwts: s.jwts.size,
        cancels: s.cancels,
        statuses: s.statuses,
        tokenTypes: s.tokenTypes,
        computeStatements: s.computeStatements,
        resumes: s.resumes,
        warehouses: s.warehouses,
      });
    }
    if (path === "/__control/tokens" && req.method === "POST") return send(res, null, 200, { token: mint(body.kind === "oauth" ? "oauth" : "pat") });
    if (path === "/__control/tokens/expire" && req.method === "POST") {
      const t = tokens.get(body.token);
      if (t) t.expired = true;
      return send(res, null, 200, { expired: !!t });
    }
    if (path === "/__control/violations") {
      return send(res, null, 200, { specLoaded: spec.loaded, specPath: spec.path, checked: spec.checked, violations: spec.violations });
    }
    return send(res, null, 404, { message: "unknown control" });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    const work = async () => {
      if (path.startsWith("/__control/")) return handleControl(req, res, path);
      const m = /^(?:\/s\/([A-Za-z0-9_-]+))?\/api\/v2\/statements(?:\/([^/]+)(\/cancel)?)?\/?$/.exec(path);
      if (!m) {
        res.writeHead(404, { "Content-Length": "0" });
        return res.end();
      }
      return handleStatements(req, res, url, m[1] ?? "default", m[2] ? decodeURIComponent(m[2]) : undefined, !!m[3]);
    };
    work().catch((err) => {
      if (!res.headersSent) send(res, null, 500, { code: "000603", message: `contract server error: ${(err as Error).message}` });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  if (process.env.TEST_SERVERS_VERBOSE) console.log(`snowflake contract server on ${endpoint}`);

  return {
    addresses: {
      snowflakeEndpoint: endpoint,
      snowflakeAccount: "testorg-testacct",
      snowflakeLocatorAccount: "xy12345.us-east-2.aws",
      snowflakeUser: "test_user",
      snowflakePrivateKey: k1.privateKey.export({ format: "pem", type: "pkcs8" }) as string,
      snowflakeEncryptedPrivateKey: k2.privateKey,
      snowflakePassphrase: passphrase,
      snowflakeUnregisteredPrivateKey: k3.privateKey.export({ format: "pem", type: "pkcs8" }) as string,
      snowflakePkcs1PrivateKey: k1.privateKey.export({ format: "pem", type: "pkcs1" }) as string,
      snowflakePat: pat,
      snowflakeOauthToken: oauth,
    },
    stop: async () => {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const p of pools.values()) await p.end().catch(() => {});
    },
  };
}
