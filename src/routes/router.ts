import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-types";
import { ApiError, validationError } from "../lib/errors";
import { DISCRIMINATOR_CODES } from "../schemas/engines";
import { withContract } from "./contract";

type Issue = { code: string; path: PropertyKey[]; message: string; note?: string; discriminator?: string; options?: unknown[]; values?: unknown[] };

// Every router shares one validation hook, so a bad request reads the same everywhere.
function validationHook(result: { success: boolean; target: string; error?: { issues: readonly Issue[] } }) {
  if (result.success) return;
  const where = result.target === "json" ? "body" : result.target;
  const issues = result.error?.issues ?? [];
  const errors = issues.map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: i.message }));
  // A discriminator (type, method) with no matching variant gets its own code and the known values.
  // (A union of one variant is that variant, whose discriminator is a literal: same answer.)
  const discriminatorOf = (i: Issue) =>
    i.code === "invalid_union" && i.note === "No matching discriminator"
      ? i.discriminator
      : i.code === "invalid_value" && i.values?.length === 1
        ? String(i.path[i.path.length - 1])
        : undefined;
  const unknown = issues.find((i) => DISCRIMINATOR_CODES[discriminatorOf(i) ?? ""]);
  const code = unknown && DISCRIMINATOR_CODES[discriminatorOf(unknown)!];
  if (unknown && code) {
    const path = [where, ...unknown.path.map(String)].join(".");
    const known = (unknown.options ?? unknown.values ?? []).map(String).join(", ");
    throw new ApiError(400, code, `${path} must be one of: ${known}`, { errors: [{ path, message: `must be one of ${known}` }] });
  }
  throw validationError(errors);
}

// Routers whose every operation keeps the shared contract (strict query strings, required bodies,
// declared media types, the common statuses and headers in the document): see contract.ts.
export function newRouter() {
  const router = new OpenAPIHono<AppEnv>({ defaultHook: validationHook as never });
  const register = router.openapi;
  router.openapi = ((route: Parameters<typeof register>[0], handler: Parameters<typeof register>[1], hook?: Parameters<typeof register>[2]) => {
    const full = withContract(route);
    if (route.request?.headers) return register(full, handler, hook);
    // The only header such a route declares is Api-Version, which the apiVersion middleware has
    // already checked before any route runs: the document lists it, but no header validator runs
    // (it would copy every request header into an object and parse it, on every request).
    const { middleware: _, ...documented } = full;
    router.openAPIRegistry.registerPath(documented);
    return register({ ...full, hide: true, request: { ...full.request, headers: undefined } }, handler, hook);
  }) as typeof register;
  return router;
}
