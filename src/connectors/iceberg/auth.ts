import { AwsClient } from "aws4fetch";
import { sha256Hex } from "../../lib/encoding";
import { ConnectorError } from "../errors";
import type { ResolvedCredential } from "../types";
import { tokenUrl, signingRegion, type IcebergConfig } from "./config";
import { readIcebergError } from "./errors";

// How catalog requests are authorised: a static bearer token; an OAuth2 client-credentials token
// (cached per isolate until shortly before it expires, replaced once when the catalog answers 401);
// or AWS SigV4 with signing name glue or s3tables (aws4fetch, which double-encodes non-S3 paths).

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export type Prepared = { url: string; init: RequestInit; sent: string | null };

export type Auth = {
  kind: "bearer" | "oauth2" | "sigv4";
  // Adds authorisation to a request; `fetch` performs (and counts) a token request when needed.
  prepare(url: string, init: RequestInit & { headers: Record<string, string> }, fetch: Fetch): Promise<Prepared>;
  // Drops the cached OAuth token that was sent unless another call already replaced it; false when
  // there is nothing to refresh.
  invalidate(sent: string | null): boolean;
  secrets: string[]; // every secret value, for redaction
  aws?: AwsClient; // sigv4: also signs storage reads
};

type Cached = { token: string; refreshAt: number };
const TOKEN_CACHE = new Map<string, Cached>();
const IN_FLIGHT = new Map<string, Promise<Cached>>();
const TOKEN_CACHE_MAX = 200;
const REFRESH_MARGIN_MS = 60_000;

export function createAuth(config: IcebergConfig, credential: ResolvedCredential | null): Auth {
  if (!credential) throw new ConnectorError("auth_failed", "An Iceberg catalog needs a credential (bearer, oauth2 or sigv4)");
  const withBearer = (token: string, url: string, init: RequestInit & { headers: Record<string, string> }): Prepared => ({
    url,
    init: { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } },
    sent: token,
  });

  if (credential.method === "bearer") {
    const token = credential.secrets.token;
    if (!token) throw new ConnectorError("auth_failed", "The bearer token is missing");
    return { kind: "bearer", secrets: [token], invalidate: () => false, prepare: async (url, init) => withBearer(token, url, init) };
  }

  if (credential.method === "oauth2") {
    const clientId = credential.identity.clientId;
    const clientSecret = credential.secrets.clientSecret;
    if (!clientId || !clientSecret) throw new ConnectorError("auth_failed", "The OAuth2 client id or secret is missing");
    const endpoint = tokenUrl(config);
    const scope = config.scope ?? "catalog";
    const secrets = [clientSecret];
    let key: string | null = null;
    const cacheKey = async () => (key ??= await sha256Hex(`${endpoint}\n${scope}\n${clientId}\n${clientSecret}`));
    return {
      kind: "oauth2",
      secrets,
      invalidate(sent) {
        const hit = key ? TOKEN_CACHE.get(key) : undefined;
        if (key && hit && hit.token === sent) TOKEN_CACHE.delete(key);
        return true;
      },
      async prepare(url, init, fetch) {
        const k = await cacheKey();
        let hit = TOKEN_CACHE.get(k);
        if (!hit || hit.refreshAt <= Date.now()) {
          let pending = IN_FLIGHT.get(k);
          if (!pending) {
            pending = requestToken(fetch, endpoint, { clientId, clientSecret, scope }, secrets)
              .then((t) => {
                if (TOKEN_CACHE.size >= TOKEN_CACHE_MAX) TOKEN_CACHE.delete(TOKEN_CACHE.keys().next().value!);
                TOKEN_CACHE.set(k, t);
                return t;
              })
              .finally(() => IN_FLIGHT.delete(k));
            IN_FLIGHT.set(k, pending);
          }
          hit = await pending;
        }
        if (!secrets.includes(hit.token)) secrets.push(hit.token);
        return withBearer(hit.token, url, init);
      },
    };
  }

  if (credential.method === "sigv4") {
    const accessKeyId = credential.identity.accessKeyId;
    const secretAccessKey = credential.secrets.secretAccessKey;
    if (!accessKeyId || !secretAccessKey) throw new ConnectorError("auth_failed", "The sigv4 credential needs accessKeyId and secretAccessKey");
    const region = signingRegion(config);
    if (!config.signingName || !region) {
      throw new ConnectorError("invalid_request", "A sigv4 credential needs signingName (glue or s3tables) and a region (signingRegion, or a glue.<region>.amazonaws.com catalog URI)");
    }
    const sessionToken = credential.secrets.sessionToken || undefined;
    const aws = new AwsClient({ accessKeyId, secretAccessKey, sessionToken, service: config.signingName, region, retries: 0 });
    return {
      kind: "sigv4",
      secrets: [secretAccessKey, ...(sessionToken ? [sessionToken] : [])],
      aws,
      invalidate: () => false,
      async prepare(url, init) {
        const signed = await aws.sign(url, { method: init.method, headers: init.headers, body: init.body ?? undefined });
        const headers: Record<string, string> = {};
        signed.headers.forEach((v, k) => (headers[k] = v));
        return { url: signed.url, init: { ...init, headers }, sent: null };
      },
    };
  }
  throw new ConnectorError("invalid_request", `Unknown Iceberg credential method "${credential.method}"`);
}

async function requestToken(
  fetch: Fetch,
  endpoint: string,
  c: { clientId: string; clientSecret: string; scope: string },
  secrets: string[],
): Promise<Cached> {
  // The form the Iceberg reference client sends (client id and secret in the body).
  const body = new URLSearchParams({ grant_type: "client_credentials", client_id: c.clientId, client_secret: c.clientSecret, scope: c.scope });
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: body.toString(),
  });
  if (!res.ok) {
    const err = await readIcebergError(res, secrets);
    const code = res.status === 400 || res.status === 401 || res.status === 403 ? "auth_failed" : res.status === 429 ? "rate_limited" : "upstream_error";
    throw new ConnectorError(code, `The OAuth2 token endpoint answered HTTP ${res.status}${err.type ? ` ${err.type}` : ""}: ${err.message}`, {
      engineCode: err.type,
    });
  }
  let json: { access_token?: unknown; expires_in?: unknown };
  try {
    json = await res.json();
  } catch {
    throw new ConnectorError("upstream_error", "The OAuth2 token endpoint answered with invalid JSON");
  }
  if (typeof json.access_token !== "string" || !json.access_token) {
    throw new ConnectorError("upstream_error", "The OAuth2 token endpoint answered without an access token");
  }
  const lifetimeMs = (typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : 3600) * 1000;
  const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
  return { token: json.access_token, refreshAt: Date.now() + lifetimeMs - margin };
}
