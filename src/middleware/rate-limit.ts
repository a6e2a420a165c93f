import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-types";
import { ApiError } from "../lib/errors";

const SAFE = new Set(["GET", "HEAD"]);

const limited = (kind: string) =>
  new ApiError(429, "rate_limited", `Too many ${kind} requests; slow down and retry later`, {
    headers: { "Retry-After": "60" },
  });

// Per-caller limits through the Workers rate-limiting binding. Calls that reach a warehouse have
// their own, tighter budget and are checked before they start. Metadata reads have no side effects,
// so their check runs alongside the read and only decides whether the answer goes out (saving its
// latency on the hot path); metadata writes are checked first. The period matches wrangler.toml.
export const rateLimit = (kind: "metadata" | "warehouse") =>
  createMiddleware<AppEnv>(async (c, next) => {
    const binding = kind === "warehouse" ? c.env.RL_WAREHOUSE : c.env.RL_METADATA;
    if (!binding) return next();
    const p = c.var.tenant.principal;
    const outcome = binding.limit({ key: p.keyId ?? `jwt:${p.workspaceId}` });
    if (kind === "warehouse" || !SAFE.has(c.req.method)) {
      if (!(await outcome).success) throw limited(kind);
      return next();
    }
    await next();
    if (!(await outcome).success) throw limited(kind);
  });
