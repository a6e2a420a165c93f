import { createMiddleware } from "hono/factory";
import { cors as honoCors } from "hono/cors";
import type { AppEnv } from "../app-types";
import { settings } from "../env";

// Browser access, off unless CORS_ALLOWED_ORIGINS lists origins (exact matches, e.g.
// "https://app.example.com,http://localhost:5173"). Preflights (OPTIONS with
// Access-Control-Request-Method) are answered here, before authentication, as browsers send them
// without credentials. Bearer tokens only, so no Access-Control-Allow-Credentials.
const allowed = honoCors({
  origin: (origin, c) => (settings(c.env).corsOrigins.includes(origin) ? origin : null),
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: ["Authorization", "Content-Type", "Api-Version", "If-Match", "Idempotency-Key", "X-Request-Id", "X-D1-Bookmark"],
  exposeHeaders: ["ETag", "Location", "Api-Version", "X-Request-Id", "X-D1-Bookmark", "RateLimit", "RateLimit-Policy", "Retry-After"],
  maxAge: 600,
});

export const cors = createMiddleware<AppEnv>(async (c, next) => {
  // c.env is absent when the app is called without bindings (scripts/openapi-dump.ts).
  if (!c.env || !settings(c.env).corsOrigins.length) return next();
  return allowed(c, next);
});
