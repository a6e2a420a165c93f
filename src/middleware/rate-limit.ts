import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-types";
import { setAnswerHeader } from "./answer-headers";
import { settings, type RateLimitPolicy } from "../env";
import { ApiError } from "../lib/errors";

const SAFE = new Set(["GET", "HEAD"]);

// Standard rate-limit fields (draft-ietf-httpapi-ratelimit-headers): RateLimit-Policy on every
// answer names each limit that applied (quota q per window w seconds); a 429 adds RateLimit with
// what is left (r=0) and the seconds until the window resets (t), which Retry-After repeats.
// Windows are taken as aligned to multiples of the period, as the Workers rate limiter counts them.
export const policyField = (kind: string, p: RateLimitPolicy) => `"${kind}";q=${p.limit};w=${p.period}`;

export function secondsToReset(period: number, now = Date.now()) {
  const intoWindow = Math.floor(now / 1000) % period;
  return Math.max(1, period - intoWindow);
}

function limited(kind: string, p: RateLimitPolicy | undefined) {
  const period = p?.period ?? 60;
  const reset = secondsToReset(period);
  const headers: Record<string, string> = { "Retry-After": String(reset), RateLimit: `"${kind}";r=0;t=${reset}` };
  if (p) headers["RateLimit-Policy"] = policyField(kind, p);
  return new ApiError(429, "rate_limited", `Too many ${kind} requests; retry in ${reset} s`, { headers });
}

// Per-caller limits through the Workers rate-limiting binding. Calls that reach a warehouse have
// their own, tighter budget and are checked before they start. Metadata reads have no side effects,
// so their check runs alongside the read and only decides whether the answer goes out (saving its
// latency on the hot path); metadata writes are checked first. The policies (RL_*_POLICY vars) state
// the limits the bindings in wrangler.toml enforce; test/node/wrangler-config.spec.ts keeps them equal.
export const rateLimit = (kind: "metadata" | "warehouse") =>
  createMiddleware<AppEnv>(async (c, next) => {
    const binding = kind === "warehouse" ? c.env.RL_WAREHOUSE : c.env.RL_METADATA;
    if (!binding) return next();
    const policy = settings(c.env).rateLimits[kind];
    const p = c.get("tenant").principal;
    const outcome = binding.limit({ key: p.keyId ?? `jwt:${p.workspaceId}` });
    if (kind === "warehouse" || !SAFE.has(c.req.method)) {
      if (!(await outcome).success) throw limited(kind, policy);
      await next();
    } else {
      await next();
      if (!(await outcome).success) throw limited(kind, policy);
    }
    if (policy) setAnswerHeader(c, "RateLimit-Policy", policyField(kind, policy), true);
  });

// The warehouse limit for the cached introspection lists: checked only when the answer is read live
// (the service calls the gate before it opens the connection), so a cache hit counts against the
// metadata limit alone.
export const warehouseWhenLive = createMiddleware<AppEnv>(async (c, next) => {
  const binding = c.env.RL_WAREHOUSE;
  const policy = settings(c.env).rateLimits.warehouse;
  let checked = false;
  c.set("warehouseGate", async () => {
    if (!binding || checked) return;
    checked = true;
    const p = c.get("tenant").principal;
    if (!(await binding.limit({ key: p.keyId ?? `jwt:${p.workspaceId}` })).success) throw limited("warehouse", policy);
  });
  await next();
  if (checked && policy) setAnswerHeader(c, "RateLimit-Policy", policyField("warehouse", policy), true);
});

