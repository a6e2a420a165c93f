import { z } from "@hono/zod-openapi";
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { API_VERSION_CHANGES, API_VERSIONS, DEFAULT_API_VERSION } from "../lib/api-version";
import { ApiError } from "../lib/errors";
import { problem } from "./openapi";

// The part of every operation's contract that is the same everywhere, applied to each route as it
// is registered, so a route (or a parameter another change adds to it) cannot forget it:
// - the query string takes only the parameters the route declares (400 names the unknown ones);
// - a required body must be there (400), in a declared media type (415);
// - the document lists what the platform answers around the handler: 413 and 415 for bodies, 429
//   with its rate-limit fields, 500, and the headers every answer carries.

const header = (description: string, schema: Record<string, unknown> = { type: "string" }) => ({ description, schema });

// Declared once under components/headers (see registerHeaderComponents) and referenced from each answer.
const HEADER_COMPONENTS = {
  "X-Request-Id": header("Id of this request (the caller's X-Request-Id when it sent a sane one)"),
  "Api-Version": header("The API version that produced this answer", { type: "string", enum: [...API_VERSIONS] }),
  "RateLimit-Policy": header('Limits that applied (draft-ietf-httpapi-ratelimit-headers), e.g. "metadata";q=600;w=60'),
  "X-D1-Bookmark": header("Send it back as X-D1-Bookmark to read your own writes"),
  "Access-Control-Allow-Origin": header("The calling origin, when it is in CORS_ALLOWED_ORIGINS"),
  "Access-Control-Expose-Headers": header("Headers a browser client may read (CORS)"),
  Vary: header("Origin, when CORS is on"),
  RateLimit: header('What is left of the limit that was hit, e.g. "metadata";r=0;t=12'),
  "Retry-After": header("Seconds to wait before retrying (on a 429: until the rate-limit window resets)", { type: "integer", minimum: 0 }),
  "Idempotent-Replayed": header("true when this is the stored answer to an earlier request with the same Idempotency-Key", { type: "string", enum: ["true"] }),
};
type HeaderName = keyof typeof HEADER_COMPONENTS;

export function registerHeaderComponents(registry: OpenAPIHono["openAPIRegistry"]) {
  for (const [name, h] of Object.entries(HEADER_COMPONENTS)) registry.registerComponent("headers", name, h as never);
}

const refs = (names: HeaderName[]) => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));
const COMMON_HEADERS = refs(["X-Request-Id", "Api-Version", "RateLimit-Policy", "X-D1-Bookmark", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"]);
const RATE_LIMITED_HEADERS = refs(["Retry-After", "RateLimit"]);
const RETRY_HEADERS = refs(["Retry-After"]);
const REPLAY_HEADERS = refs(["Idempotent-Replayed"]);

// Routes may declare their own response headers as a zod object; the shared ones join it as members.
function zodHeaders(names: string[]) {
  const all = HEADER_COMPONENTS as Record<string, { description: string }>;
  return Object.fromEntries(names.map((n) => [n, z.string().optional().openapi({ description: all[n]!.description })]));
}

const apiVersionParam = z
  .enum(API_VERSIONS)
  .optional()
  .openapi({
    description: `API version (a date). Without it: ${DEFAULT_API_VERSION}. ${Object.entries(API_VERSION_CHANGES)
      .map(([v, what]) => `${v}: ${what}.`)
      .join(" ")} An unknown version is 400 unsupported_api_version.`,
    example: API_VERSIONS[API_VERSIONS.length - 1],
  });

function strictQuery(known: string[]): MiddlewareHandler {
  return async (c, next) => {
    // Most requests have no query string: no parsing then (the hot path).
    const url = c.req.url;
    const q = url.indexOf("?");
    if (q === -1) return next();
    const unknown = [...new Set(new URLSearchParams(url.slice(q + 1)).keys())].filter((k) => !known.includes(k));
    if (unknown.length) {
      const takes = known.length ? `This operation takes: ${known.join(", ")}` : "This operation takes no query parameters";
      throw new ApiError(400, "unknown_query_parameter", `Unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k.slice(0, 64)}"`).join(", ")}. ${takes}`, {
        errors: unknown.map((k) => ({ path: `query.${k.slice(0, 64)}`, message: `unknown parameter; known: ${known.join(", ") || "none"}` })),
      });
    }
    await next();
  };
}

const essence = (contentType: string) => contentType.split(";")[0]!.trim().toLowerCase();

function bodyGate(mediaTypes: string[], required: boolean): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type");
    const raw = c.req.raw;
    const empty = raw.body === null || (await c.req.arrayBuffer()).byteLength === 0;
    if (type && !empty && !mediaTypes.includes(essence(type))) {
      throw new ApiError(415, "unsupported_media_type", `Send the body as ${mediaTypes.join(" or ")}`);
    }
    if (required && empty) throw new ApiError(400, "body_required", `This operation needs a body (${mediaTypes.join(" or ")})`);
    await next();
  };
}

const asList = (m: RouteConfig["middleware"]) => (m ? (Array.isArray(m) ? m : [m]) : []) as MiddlewareHandler[];

export function withContract<R extends RouteConfig>(route: R): R {
  const query = route.request?.query;
  const known = query && "shape" in query ? Object.keys((query as z.ZodObject).shape) : [];
  const body = route.request?.body;
  const mediaTypes = Object.keys(body?.content ?? {});
  const guards: MiddlewareHandler[] = [strictQuery(known)];
  if (mediaTypes.length) guards.push(bodyGate(mediaTypes, !!body?.required));

  const headers = route.request?.headers as z.ZodObject | undefined;
  const responses: RouteConfig["responses"] = { ...route.responses };
  if (mediaTypes.length) {
    responses[413] ??= problem(413);
    responses[415] ??= problem(415);
  }
  responses[429] ??= problem(429);
  responses[500] ??= problem(500);
  const idempotent = !!headers && "idempotency-key" in headers.shape;
  for (const [status, r] of Object.entries(responses)) {
    const extra = {
      ...(status === "429" ? RATE_LIMITED_HEADERS : status === "503" ? RETRY_HEADERS : {}),
      ...(idempotent && /^2/.test(status) ? REPLAY_HEADERS : {}),
    };
    const own = "headers" in r ? r.headers : undefined;
    const merged =
      own instanceof z.ZodObject
        ? own.extend(zodHeaders(Object.keys({ ...COMMON_HEADERS, ...extra }).filter((n) => !(n in own.shape))))
        : { ...COMMON_HEADERS, ...extra, ...(own ?? {}) };
    responses[status] = { ...r, headers: merged } as (typeof responses)[string];
  }
  return {
    ...route,
    middleware: [...asList(route.middleware), ...guards],
    request: {
      ...route.request,
      headers: (headers ?? z.object({})).extend({ "api-version": apiVersionParam }),
    },
    responses,
  };
}
