import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-types";
import { ApiError } from "../lib/errors";

// Per-caller limits through the Workers rate-limiting binding. Calls that reach a warehouse have
// their own, tighter budget. The period matches wrangler.toml.
export const rateLimit = (kind: "metadata" | "warehouse") =>
  createMiddleware<AppEnv>(async (c, next) => {
    const binding = kind === "warehouse" ? c.env.RL_WAREHOUSE : c.env.RL_METADATA;
    if (binding) {
      const p = c.var.tenant.principal;
      const { success } = await binding.limit({ key: p.keyId ?? `jwt:${p.workspaceId}` });
      if (!success) {
        throw new ApiError(429, "rate_limited", `Too many ${kind} requests; slow down and retry later`, {
          headers: { "Retry-After": "60" },
        });
      }
    }
    await next();
  });
