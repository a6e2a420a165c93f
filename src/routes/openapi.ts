import { z } from "@hono/zod-openapi";
import type { RouteConfig } from "@hono/zod-openapi";

// Shared pieces of route definitions: the problem+json schema and response helpers.
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ description: "Stable machine-readable error code" }),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .openapi("Problem");

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (validation_failed, malformed_json, invalid_cursor, ...)",
  401: "Missing, malformed, expired or revoked credential",
  403: "The credential lacks the scope this call needs, or a stored credential is not approved for a host of the call (host_not_approved)",
  404: "No such resource in this workspace",
  409: "Conflict with the current state",
  412: "If-Match did not match the current ETag",
  413: "Request body too large (more than 1 MiB)",
  415: "The body is not in a media type this operation accepts",
  422: "Understood but cannot be processed",
  429: "Rate limited; see Retry-After and RateLimit",
  502: "The data system answered with an error",
  503: "Temporarily unavailable; see Retry-After",
  500: "Unexpected failure; the requestId identifies it in the logs",
  504: "The data system did not answer in time",
};

const CHALLENGE = {
  "WWW-Authenticate": { schema: { type: "string" as const }, description: 'Always present on 401: Bearer realm="connections-api", error="invalid_token"' },
};

export const problem = (status: number) => ({
  description: DESCRIPTIONS[status] ?? "Error",
  ...(status === 401 ? { headers: CHALLENGE } : {}),
  content: { "application/problem+json": { schema: ProblemSchema } },
});

// Every authenticated route can answer these.
const COMMON = [400, 401, 403, 429] as const;

export function errorResponses(...extra: number[]): RouteConfig["responses"] {
  const out: RouteConfig["responses"] = {};
  for (const s of [...COMMON, ...extra]) out[s] = problem(s);
  return out;
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

// RFC 7396 bodies for PATCH.
export const mergePatchBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/merge-patch+json": { schema } },
});

export const security = [{ bearerAuth: [] }];

export const ifMatchHeader = z.object({
  "if-match": z.string().max(200).optional().openapi({ description: "ETag from a previous GET; 412 when it no longer matches" }),
});

export const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: "Replays the first response for the same key and body; another body with the same key is 422" }),
});

export const etagHeader = { ETag: { schema: { type: "string" as const }, description: "Current version, for If-Match" } };

export const locationHeader = { Location: { schema: { type: "string" as const }, description: "Path of the new resource" } };
