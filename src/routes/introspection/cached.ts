import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-types";
import type { Cached } from "../../services/introspection-cache";

// HTTP side of cached introspection lists: the request's way to force a live read, the response's
// ETag / Age / Cache-Control, and 304 for a matching If-None-Match.

export const cacheHeaders = z.object({
  "if-none-match": z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: "ETag of an earlier answer to this page: 304 Not Modified (no body) when the answer still has it" }),
  "cache-control": z
    .string()
    .max(256)
    .optional()
    .openapi({ description: "`no-cache` or `max-age=0` reads live from the data system (the fresh answer replaces the cached one)" }),
});

export const refreshQuery = {
  refresh: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "true: read live from the data system, as Cache-Control: no-cache does" }),
};

export const CacheInfoSchema = z
  .object({
    hit: z.boolean().openapi({ description: "true when this answer came from the cache" }),
    ageSeconds: z.number().int().openapi({ description: "How old the answer is (0 when read live); also the Age header of a cached answer" }),
    ttlSeconds: z.number().int().openapi({ description: "The connection's cache lifetime (cacheTtlSeconds; default 300, 0 = not cached)" }),
  })
  .openapi("CacheInfo");

const responseHeaders = z.object({
  ETag: z.string().openapi({ description: "Identifies this answer; send it back as If-None-Match" }),
  Age: z.string().optional().openapi({ description: "Seconds since the data system was read (cached answers only)" }),
  "Cache-Control": z.string().openapi({ description: "`private, max-age=<seconds the cached answer stays valid>`" }),
});

export function cachedResponses<T extends z.ZodObject>(schema: T, description: string) {
  return {
    200: {
      description: `${description}. Served from the cache while the connection's cacheTtlSeconds allows`,
      headers: responseHeaders,
      content: { "application/json": { schema: schema.extend({ cache: CacheInfoSchema }) } },
    },
    304: { description: "Not Modified: If-None-Match matched this page's current ETag", headers: responseHeaders },
  };
}

// refresh=true or Cache-Control: no-cache / max-age=0 on the request.
function wantsLive(refresh: string | undefined, cacheControl: string | undefined): boolean {
  if (refresh === "true") return true;
  return !!cacheControl && /(^|,)\s*(no-cache|no-store|max-age\s*=\s*0)\s*(,|$)/i.test(cacheControl);
}

// How a cached list is read: live when asked (wantsLive), and the warehouse limit checked only then
// (the gate warehouseWhenLive set).
export function cacheOptions(c: Context<AppEnv>, refresh: string | undefined, cacheControl: string | undefined) {
  return { refresh: wantsLive(refresh, cacheControl), beforeLive: c.get("warehouseGate") };
}

function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === "*") return true;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => bare(t) === etag);
}

export function sendCached(c: Context, r: Cached<object>, ifNoneMatch: string | undefined) {
  c.header("ETag", r.etag);
  c.header("Cache-Control", `private, max-age=${r.cache.hit ? Math.max(0, r.cache.ttlSeconds - r.cache.ageSeconds) : r.cache.ttlSeconds}`);
  if (r.cache.hit) c.header("Age", String(r.cache.ageSeconds));
  if (ifNoneMatch && matches(ifNoneMatch, r.etag)) return c.body(null, 304);
  return c.json(r.body, 200);
}
