import { sha256Hex } from "../../lib/encoding";
import { ConnectorError } from "../errors";
import type { ResolvedCredential } from "../types";
import { readError } from "./errors";

// Bearer tokens for the workspace: a personal access token as is, or an OAuth M2M token from the
// workspace's /oidc/v1/token (client credentials, scope all-apis), cached per isolate until shortly
// before it expires and replaced once when the workspace answers 401.

export type Auth = {
  kind: "pat" | "oauth";
  // The Authorization header value; `fetch` performs (and counts) the token request when needed.
  header(fetch: (url: string, init: RequestInit) => Promise<Response>): Promise<string>;
  // Drops the cached OAuth token that was sent (`header`, as returned above) unless another call
  // already replaced it; false when there is nothing to refresh (a PAT).
  invalidate(header: string): boolean;
  secrets: string[]; // every secret value, for redaction
};

type Cached = { token: string; refreshAt: number };
const TOKEN_CACHE = new Map<string, Cached>();
// One token request at a time per client: parallel calls (discover) wait for the same answer.
const IN_FLIGHT = new Map<string, Promise<Cached>>();
const TOKEN_CACHE_MAX = 200;
const REFRESH_MARGIN_MS = 60_000;

export function createAuth(base: string, credential: ResolvedCredential | null): Auth {
  if (!credential) throw new ConnectorError("invalid_request", "A Databricks connection needs a credential (personalAccessToken or oauthM2M); attach one with credentialId");
  if (credential.method === "personalAccessToken") {
    const token = credential.secrets.token;
    if (!token) throw new ConnectorError("auth_failed", "The personal access token is missing");
    return { kind: "pat", header: async () => `Bearer ${token}`, invalidate: () => false, secrets: [token] };
  }
  if (credential.method === "oauthM2M") {
    const clientId = credential.identity.clientId;
    const clientSecret = credential.secrets.clientSecret;
    if (!clientId || !clientSecret) throw new ConnectorError("auth_failed", "The OAuth client id or secret is missing");
    const secrets = [clientSecret];
    let key: string | null = null;
    const cacheKey = async () => (key ??= await sha256Hex(`${base}\n${clientId}\n${clientSecret}`));
    return {
      kind: "oauth",
      secrets,
      invalidate: (header) => {
        if (key && TOKEN_CACHE.get(key) && `Bearer ${TOKEN_CACHE.get(key)!.token}` === header) TOKEN_CACHE.delete(key);
        return true;
      },
      async header(fetch) {
        const k = await cacheKey();
        const hit = TOKEN_CACHE.get(k);
        if (hit && hit.refreshAt > Date.now()) return `Bearer ${hit.token}`;
        let pending = IN_FLIGHT.get(k);
        if (!pending) {
          pending = requestToken(fetch, base, clientId, clientSecret, secrets)
            .then((token) => {
              if (TOKEN_CACHE.size >= TOKEN_CACHE_MAX) TOKEN_CACHE.delete(TOKEN_CACHE.keys().next().value!);
              TOKEN_CACHE.set(k, token);
              return token;
            })
            .finally(() => IN_FLIGHT.delete(k));
          IN_FLIGHT.set(k, pending);
        }
        const token = await pending;
        if (!secrets.includes(token.token)) secrets.push(token.token);
        return `Bearer ${token.token}`;
      },
    };
  }
  throw new ConnectorError("invalid_request", `Unknown Databricks credential method "${credential.method}"`);
}

async function requestToken(
  fetch: (url: string, init: RequestInit) => Promise<Response>,
  base: string,
  clientId: string,
  clientSecret: string,
  secrets: string[],
): Promise<Cached> {
  // RFC 6749 2.3.1: both parts form-encoded, so the Basic value stays ASCII.
  const basic = btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`);
  const res = await fetch(`${base}/oidc/v1/token`, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: "grant_type=client_credentials&scope=all-apis",
  });
  if (!res.ok) {
    const err = await readError(res, secrets);
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new ConnectorError("auth_failed", `Databricks OAuth rejected the client credentials (HTTP ${res.status}${err.code ? ` ${err.code}` : ""}: ${err.message})`, {
        engineCode: err.code,
      });
    }
    throw new ConnectorError(res.status === 429 ? "rate_limited" : "upstream_error", `The Databricks OAuth token endpoint answered HTTP ${res.status}: ${err.message}`, {
      engineCode: err.code,
    });
  }
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = await res.json();
  } catch {
    throw new ConnectorError("upstream_error", "The Databricks OAuth token endpoint answered with invalid JSON");
  }
  if (typeof body.access_token !== "string" || !body.access_token) {
    throw new ConnectorError("upstream_error", "The Databricks OAuth token endpoint answered without an access token");
  }
  const lifetimeMs = (typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
  const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
  return { token: body.access_token, refreshAt: Date.now() + lifetimeMs - margin };
}
