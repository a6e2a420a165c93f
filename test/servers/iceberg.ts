import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Started } from "./index";
import { IcebergSpec, type SchemaName } from "./iceberg-spec";
import { writeIcebergFiles } from "./iceberg-files";
import { key, seedCatalog, type CatalogState } from "./iceberg-seed";
import { verifySigV4 } from "./sigv4-verify";

// Contract server for the Apache Iceberg REST catalog API (test/servers/specs/iceberg-rest-catalog-
// open-api.yaml; every JSON answer is validated against it, see /__test/violations), with the
// personalities of real catalogs (shared facts: lakehouse-catalogs.md):
//   r2       bearer token; prefix from overrides.prefix; warehouse required
//   polaris  OAuth2 client credentials at /v1/oauth/tokens (scope PRINCIPAL_ROLE:ALL), tokens expire;
//            prefix = warehouse; 36-style endpoint declaration; namespace-separator %1F; nested namespaces
//   unity    bearer; prefix with a slash (catalogs/main); ignores pageToken (one unbounded list); no views
//   glue     SigV4 (service glue, region us-east-1, signature checked); prefix catalogs/<account>; at most
//            100 per page; parent= refused; views answer HTTP 200 with UnknownOperationException
//   onelake  bearer; schema 0 is an empty placeholder, the current schema is 1
// Base URL: http://127.0.0.1:<port>/<personality>/<scope>; each scope has its own controls, counters
// and tokens. Test controls (not part of the API) under <base>/__test/.

export const PERSONALITIES = ["r2", "polaris", "unity", "glue", "onelake"] as const;
type Personality = (typeof PERSONALITIES)[number];

const R2_WAREHOUSE = "acct0123456789_lakehouse";
const POLARIS_WAREHOUSE = "lake";
const GLUE_ACCOUNT = "123456789012";
const GLUE_REGION = "us-east-1";
const DEFAULT_PAGE = 50;
const GLUE_MAX_PAGE = 100;

// vend: false plays a catalog that never vends storage credentials (the header is then ignored, as
// the spec allows: delegation is a request, not a promise).
type Controls = { repeatToken: boolean; refuseParent: boolean; tokenTtl: number; failStatus: number; failCount: number; vend: boolean };
const DEFAULTS: Controls = { repeatToken: false, refuseParent: false, tokenTtl: 3600, failStatus: 503, failCount: 0, vend: true };
type Scope = { controls: Controls; counts: Record<string, number>; tokens: Map<string, number>; catalog: CatalogState; headers: Array<Record<string, string>> };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly schema: SchemaName | null = "IcebergErrorResponse",
    readonly headers: Record<string, string> = {},
  ) {
    super(JSON.stringify(body));
  }
}
const icebergError = (status: number, type: string, message: string) => new HttpError(status, { error: { message, type, code: status } });

export type IcebergStorage = { warehouse: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string };

export async function start(shared: Record<string, string>): Promise<Started> {
  const spec = new IcebergSpec();
  const bearer = `icb_${randomBytes(18).toString("hex")}`;
  const clientId = `polaris-${randomUUID()}`;
  const clientSecret = `pcs_${randomBytes(20).toString("hex")}`;
  const awsKeyId = "AKIAICEBERGGLUE00001";
  const awsSecret = `glue-secret-${randomBytes(12).toString("hex")}`;
  // Live-looking storage keys the catalog vends in loadTable: they must never leave the connector.
  const vendedSecret = `vended-${randomBytes(16).toString("hex")}`;
  const tableToken = `table-token-${randomBytes(16).toString("hex")}`;
  const warehouseRoot = `s3://${shared.s3Bucket ?? "fixtures"}/iceberg`;
  const written = await writeIcebergFiles(shared, warehouseRoot);

  const scopes = new Map<string, Scope>();
  const scopeOf = (name: string) => {
    let s = scopes.get(name);
    if (!s) {
      s = { controls: { ...DEFAULTS }, counts: { total: 0 }, tokens: new Map(), catalog: seedCatalog(warehouseRoot, { placeholderSchema0: name.startsWith("onelake/"), extra: written }), headers: [] };
      scopes.set(name, s);
    }
    return s;
  };
  const count = (scope: Scope, k: string) => {
    scope.counts[k] = (scope.counts[k] ?? 0) + 1;
    scope.counts.total = (scope.counts.total ?? 0) + 1;
  };
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  function prefixOf(p: Personality, warehouse: string | null): string {
    if (p === "r2") {
      if (warehouse !== R2_WAREHOUSE) throw icebergError(404, "NoSuchWarehouseException", `Warehouse ${warehouse ?? "(none)"} not found`);
      return R2_WAREHOUSE;
    }
    if (p === "polaris") {
      if (warehouse !== POLARIS_WAREHOUSE) throw icebergError(404, "NotFoundException", `Unable to find warehouse ${warehouse ?? "(none)"}`);
      return POLARIS_WAREHOUSE;
    }
    if (p === "unity") return "catalogs/main";
    if (p === "glue") return `catalogs/${GLUE_ACCOUNT}`;
    return "ws-0001/lake.Lakehouse";
  }

  function authenticate(p: Personality, req: IncomingMessage, body: Buffer, scope: Scope) {
    if (p === "glue") {
      const r = verifySigV4(req, body, { service: "glue", region: GLUE_REGION, keys: { [awsKeyId]: awsSecret } });
      if (!r.ok) throw icebergError(403, "ForbiddenException", `The request signature we calculated does not match: ${r.reason}`);
      return;
    }
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    if (!m) throw icebergError(401, "NotAuthorizedException", "Not authorized: missing bearer token");
    if (p === "polaris") {
      const exp = scope.tokens.get(m[1]!);
      if (exp === undefined) throw icebergError(401, "NotAuthorizedException", "Not authorized: unknown token");
      if (exp <= Date.now()) throw icebergError(401, "NotAuthorizedException", "Not authorized: token expired");
      return;
    }
    if (!same(m[1]!, bearer)) throw icebergError(401, "NotAuthorizedException", "Not authorized: invalid token");
  }

  function tokenEndpoint(req: IncomingMessage, body: string, scope: Scope) {
    const fail = (status: number, error: string, description: string) => new HttpError(status, { error, error_description: description }, "OAuthError");
    const form = new URLSearchParams(body);
    let id = form.get("client_id") ?? "";
    let secret = form.get("client_secret") ?? "";
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? "");
    if (basic) {
      const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
      const i = decoded.indexOf(":");
      id = decodeURIComponent(decoded.slice(0, i));
      secret = decodeURIComponent(decoded.slice(i + 1));
    }
    if (form.get("grant_type") !== "client_credentials") throw fail(400, "unsupported_grant_type", "Only client_credentials is supported");
    if (!same(id, clientId) || !same(secret, clientSecret)) throw fail(401, "invalid_client", "The client is not authorized");
    if (form.get("scope") !== "PRINCIPAL_ROLE:ALL") throw fail(400, "invalid_scope", "The scope is invalid");
    const token = `ptk_${randomBytes(18).toString("hex")}`;
    scope.tokens.set(token, Date.now() + scope.controls.tokenTtl * 1000);
    return { access_token: token, token_type: "bearer", expires_in: scope.controls.tokenTtl, issued_token_type: "urn:ietf:params:oauth:token-type:access_token" };
  }

  // Splits /v1/<prefix>/<rest> with the prefix matched raw (it may contain "/").
  function routeOf(path: string, prefix: string): string[] | null {
    const head = `/v1/${prefix}/`;
    if (!path.startsWith(head)) return null;
    return path.slice(head.length).split("/");
  }

  const decodeSegment = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));

  function page<T>(p: Personality, scope: Scope, items: T[], q: URLSearchParams): { items: T[]; next?: string | null } {
    if (p === "unity") return { items }; // ignores pageToken: one unbounded list, no next-page-token
    const token = q.get("pageToken");
    const glue = p === "glue";
    if (token === null && !glue) return { items, next: null };
    const size = Math.min(Number(q.get("pageSize")) || DEFAULT_PAGE, glue ? GLUE_MAX_PAGE : Number.MAX_SAFE_INTEGER);
    let offset = 0;
    if (token) {
      const m = /^o:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
      if (!m && !scope.controls.repeatToken) throw icebergError(400, "BadRequestException", "Invalid page token");
      offset = m ? Number(m[1]) : 0;
    }
    const slice = items.slice(offset, offset + size);
    const end = offset + size >= items.length;
    if (scope.controls.repeatToken) return { items: slice, next: Buffer.from("again").toString("base64url") };
    return { items: slice, next: end ? null : Buffer.from(`o:${offset + size}`).toString("base64url") };
  }

  function route(p: Personality, req: IncomingMessage, raw: Buffer, scope: Scope, path: string, q: URLSearchParams): { body: unknown; schema: SchemaName | null } {
    const method = req.method ?? "GET";
    const body = raw.toString("utf8");
    if (path === "/v1/oauth/tokens" && method === "POST") {
      if (p !== "polaris") throw icebergError(404, "NotFoundException", "No such route");
      count(scope, "token");
      return { body: tokenEndpoint(req, body, scope), schema: "OAuthTokenResponse" };
    }
    authenticate(p, req, raw, scope);
    if (scope.controls.failCount > 0) {
      scope.controls.failCount--;
      throw new HttpError(scope.controls.failStatus, { error: { message: "Slow down", type: "SlowDownException", code: scope.controls.failStatus } }, "IcebergErrorResponse", { "retry-after": "0" });
    }
    if (path === "/v1/config" && method === "GET") {
      count(scope, "config");
      const prefix = prefixOf(p, q.get("warehouse"));
      const overrides: Record<string, string> = { prefix };
      const config: Record<string, unknown> = { defaults: { "client.region": GLUE_REGION }, overrides };
      if (p === "polaris") {
        overrides["namespace-separator"] = "%1F";
        config.endpoints = [
          "GET /v1/{prefix}/namespaces",
          "GET /v1/{prefix}/namespaces/{namespace}",
          "GET /v1/{prefix}/namespaces/{namespace}/tables",
          "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
          "GET /v1/{prefix}/namespaces/{namespace}/views",
          "GET /v1/{prefix}/namespaces/{namespace}/views/{view}",
        ];
      }
      if (p === "unity") config.endpoints = ["GET /v1/{prefix}/namespaces", "GET /v1/{prefix}/namespaces/{namespace}/tables", "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}"];
      return { body: config, schema: "CatalogConfig" };
    }
    const parts = routeOf(path, prefixOf(p, p === "r2" ? R2_WAREHOUSE : p === "polaris" ? POLARIS_WAREHOUSE : null));
    if (!parts || parts[0] !== "namespaces" || method !== "GET") throw icebergError(404, "NotFoundException", `No route for ${method} ${path}`);
    const cat = scope.catalog;
    if (parts.length === 1) {
      count(scope, "namespaces");
      const parentRaw = q.get("parent") ?? "";
      if (parentRaw && (p === "glue" || scope.controls.refuseParent)) throw icebergError(400, "BadRequestException", "Glue dataCatalog does not support multipart namespace");
      const parent = parentRaw ? parentRaw.split("\u001f") : [];
      if (parent.length && !cat.namespaces.some((n) => key(n, "") === key(parent, ""))) {
        throw icebergError(404, "NoSuchNamespaceException", `Namespace does not exist: ${parent.join(".")}`);
      }
      const children = cat.namespaces.filter((n) => n.length === parent.length + 1 && parent.every((x, i) => n[i] === x));
      const r = page(p, scope, children, q);
      return { body: { namespaces: r.items, ...(r.next !== undefined ? { "next-page-token": r.next } : {}) }, schema: "ListNamespacesResponse" };
    }
    const ns = decodeSegment(parts[1]!).split("\u001f");
    const exists = cat.namespaces.some((n) => key(n, "") === key(ns, ""));
    if (!exists) throw icebergError(404, "NoSuchNamespaceException", `Namespace does not exist: ${ns.join(".")}`);
    if (parts.length === 3 && parts[2] === "tables") {
      count(scope, "tables");
      const ids = [...cat.tables.keys()].map((k) => k.split("\u001f")).filter((k) => key(k.slice(0, -1), "") === key(ns, "")).map((k) => ({ namespace: ns, name: k[k.length - 1]! }));
      const r = page(p, scope, ids, q);
      return { body: { identifiers: r.items, ...(r.next !== undefined ? { "next-page-token": r.next } : {}) }, schema: "ListTablesResponse" };
    }
    if (parts.length === 4 && parts[2] === "tables") {
      count(scope, "loadTable");
      const t = cat.tables.get(key(ns, decodeSegment(parts[3]!)));
      if (!t) throw icebergError(404, "NoSuchTableException", `Table does not exist: ${ns.join(".")}.${decodeSegment(parts[3]!)}`);
      scope.headers.push({ delegation: String(req.headers["x-iceberg-access-delegation"] ?? "") });
      const vend = scope.controls.vend && String(req.headers["x-iceberg-access-delegation"] ?? "").split(",").includes("vended-credentials");
      const result: Record<string, unknown> = {
        "metadata-location": t.metadataLocation,
        metadata: t.metadata,
        config: { "client.region": GLUE_REGION, token: tableToken },
      };
      if (vend) {
        result["storage-credentials"] = [
          {
            prefix: String(t.metadata.location),
            config: {
              "s3.access-key-id": shared.s3AccessKeyId ?? "AKIAVENDED",
              "s3.secret-access-key": shared.s3SecretAccessKey ?? vendedSecret,
              "s3.session-token": vendedSecret,
              ...(shared.s3Endpoint ? { "s3.endpoint": shared.s3Endpoint, "s3.path-style-access": "true" } : {}),
              "client.region": shared.s3Region ?? GLUE_REGION,
            },
          },
        ];
      }
      return { body: result, schema: "LoadTableResult" };
    }
    if (parts[2] === "views") {
      count(scope, parts.length === 3 ? "views" : "loadView");
      if (p === "glue") return { body: { Output: { __type: "com.amazon.coral.service#UnknownOperationException" } }, schema: null };
      if (p === "unity") throw icebergError(404, "NotFoundException", "No route for views");
      if (parts.length === 3) {
        const ids = [...cat.views.keys()].map((k) => k.split("\u001f")).filter((k) => key(k.slice(0, -1), "") === key(ns, "")).map((k) => ({ namespace: ns, name: k[k.length - 1]! }));
        const r = page(p, scope, ids, q);
        return { body: { identifiers: r.items, ...(r.next !== undefined ? { "next-page-token": r.next } : {}) }, schema: "ListTablesResponse" };
      }
      const v = cat.views.get(key(ns, decodeSegment(parts[3]!)));
      if (!v) throw icebergError(404, "NoSuchViewException", `View does not exist: ${decodeSegment(parts[3]!)}`);
      return { body: { "metadata-location": v.metadataLocation, metadata: v.metadata }, schema: "LoadViewResult" };
    }
    throw icebergError(404, "NotFoundException", `No route for ${method} ${path}`);
  }

  function control(method: string, path: string, body: string, scope: Scope): unknown {
    if (path === "/__test/control" && method === "POST") {
      Object.assign(scope.controls, JSON.parse(body || "{}"));
      return scope.controls;
    }
    if (path === "/__test/stats") return { ...scope.counts };
    if (path === "/__test/delegation") return scope.headers;
    if (path === "/__test/expire-tokens" && method === "POST") {
      for (const t of scope.tokens.keys()) scope.tokens.set(t, 0);
      return { expired: scope.tokens.size };
    }
    if (path === "/__test/violations") return { checked: spec.checked, violations: spec.violations };
    throw icebergError(404, "NotFoundException", "unknown test control");
  }

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://localhost");
      const send = (status: number, payload: unknown, schema: SchemaName | null, headers: Record<string, string> = {}, label = "") => {
        // 64-bit ids (BigInt in the seed) are written as exact JSON integers, as Java servers do.
        const text = JSON.stringify(payload, (_k, v) => (typeof v === "bigint" ? `__int64:${v}` : v)).replace(/"__int64:(-?\d+)"/g, "$1");
        if (schema) spec.check(schema, JSON.parse(text), `${req.method} ${label} ${status}`);
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(text);
      };
      const m = /^\/([a-z0-9]+)\/([A-Za-z0-9_-]{1,64})(\/.*)$/.exec(url.pathname);
      if (!m || !(PERSONALITIES as readonly string[]).includes(m[1]!)) return send(404, { error: { message: "Unknown personality", type: "NotFoundException", code: 404 } }, "IcebergErrorResponse");
      const p = m[1] as Personality;
      const scope = scopeOf(`${p}/${m[2]}`);
      const path = m[3]!;
      try {
        if (path.startsWith("/__test/")) return send(200, control(req.method ?? "GET", path, raw.toString("utf8"), scope), null);
        const out = route(p, req, raw, scope, path, url.searchParams);
        send(200, out.body, out.schema, {}, `${p} ${path}`);
      } catch (err) {
        if (err instanceof HttpError) send(err.status, err.body, err.schema, err.headers, `${p} ${path}`);
        else send(500, { error: { message: (err as Error).message, type: "InternalServerError", code: 500 } }, "IcebergErrorResponse");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    addresses: {
      icebergEndpoint: `http://127.0.0.1:${port}`,
      icebergBearer: bearer,
      icebergClientId: clientId,
      icebergClientSecret: clientSecret,
      icebergAwsKeyId: awsKeyId,
      icebergAwsSecret: awsSecret,
      icebergVendedSecret: vendedSecret,
      icebergTableToken: tableToken,
      icebergR2Warehouse: R2_WAREHOUSE,
      icebergPolarisWarehouse: POLARIS_WAREHOUSE,
      icebergGlueRegion: GLUE_REGION,
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
