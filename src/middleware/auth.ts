import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-types";
import { settings } from "../env";
import { parseApiKey, SCOPES, type Scope } from "../lib/api-keys";
import { ApiError, unauthorized } from "../lib/errors";
import { verifyJwt } from "../lib/jwt";
import { Tenant } from "../services/tenant";

const SAFE = new Set(["GET", "HEAD"]);
const WORKSPACE_CLAIM_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;

const challenge = unauthorized;

function scopeFromClaim(value: unknown): Scope {
  const words = typeof value === "string" ? value.split(/\s+/) : Array.isArray(value) ? value : [];
  let best: Scope | null = null;
  for (const w of words) if (SCOPES.includes(w as Scope) && (!best || SCOPES.indexOf(w as Scope) > SCOPES.indexOf(best))) best = w as Scope;
  if (!best) throw new ApiError(403, "insufficient_scope", "The token carries no read, write or admin scope");
  return best;
}

// Resolves the caller. API keys on safe methods are checked lazily, together with the first read.
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw challenge("Send Authorization: Bearer <API key or JWT>");
  const token = m[1]!;

  let tenant: Tenant;
  const key = parseApiKey(token);
  if (key) {
    tenant = new Tenant(c.get("db"), { workspaceId: key.workspaceId, scope: key.scope, via: "api_key", keyId: key.keyId }, { keyId: key.keyId, token });
  } else if (token.startsWith("cak_")) {
    throw challenge("The API key is malformed", "invalid_api_key");
  } else {
    const cfg = settings(c.env).jwt;
    let claims: Record<string, unknown>;
    try {
      claims = await verifyJwt(token, cfg);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw challenge(err.message, err.code);
      throw err;
    }
    const workspaceId = claims[cfg.workspaceClaim];
    if (typeof workspaceId !== "string" || !WORKSPACE_CLAIM_VALUE.test(workspaceId)) {
      throw challenge(`The token has no valid ${cfg.workspaceClaim} claim`, "invalid_token");
    }
    const subject = typeof claims.sub === "string" && claims.sub ? claims.sub : undefined;
    tenant = new Tenant(c.get("db"), { workspaceId, scope: scopeFromClaim(claims.scope), via: "jwt", subject }, null);
  }
  c.set("tenant", tenant);

  if (!SAFE.has(c.req.method)) await tenant.verify();
  await next();
  // A safe request that never read still has to prove its key before its answer leaves.
  if (!tenant.isVerified) await tenant.verify();
});

// Scope guard, used per route group: read < write < admin.
export const requireScope = (needed: Scope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const held = c.get("tenant").principal.scope;
    if (SCOPES.indexOf(held) < SCOPES.indexOf(needed)) {
      throw new ApiError(403, "insufficient_scope", `This call needs the ${needed} scope; the credential has ${held}`);
    }
    await next();
  });
