import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./app-types";
import { ApiError } from "./lib/errors";
import { problemResponse } from "./lib/problem";
import { apiVersion } from "./middleware/api-version";
import { authenticate } from "./middleware/auth";
import { cors } from "./middleware/cors";
import { rateLimit } from "./middleware/rate-limit";
import { d1Session, requestId } from "./middleware/request-context";
import { newRouter } from "./routes/router";
import { docsPage } from "./routes/docs";
import { registerHeaderComponents } from "./routes/contract";
import { addExamples } from "./routes/examples";
import { apiKeysRouter } from "./routes/api-keys/api-keys.routes";
import { credentialsRouter } from "./routes/credentials/credentials.routes";
import { connectionsRouter } from "./routes/connections/connections.routes";
import { introspectionRouter } from "./routes/introspection/introspection.routes";
import { ConnectorError, toApiError } from "./connectors/errors";
import { pipelinesRouter } from "./routes/pipelines/pipelines.routes";
import { API_VERSION_CHANGES, DEFAULT_API_VERSION, LATEST_API_VERSION } from "./lib/api-version";

const MAX_BODY_BYTES = 1024 * 1024;
const LOCAL_ORIGIN = "http://127.0.0.1:8787";

// The document names the server it was fetched from first (so "try it" and generated clients call the
// deployment they read it from), then the local one `npm run dev` serves.
function documentServers(origin: string) {
  const local = { url: LOCAL_ORIGIN, description: "Local (npm run dev / wrangler dev)" };
  return origin === LOCAL_ORIGIN ? [local] : [{ url: origin, description: "This server" }, local];
}

export function createApp() {
  const app = newRouter();

  app.use("*", requestId);
  app.use("*", cors);
  app.use("/api/*", apiVersion);
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, "body_too_large", `The request body is larger than ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  app.use("/api/*", d1Session);
  app.use("/api/*", authenticate);
  app.use("/api/*", rateLimit("metadata"));

  app.route("/api/keys", apiKeysRouter);
  app.route("/api/credentials", credentialsRouter);
  // Static paths (/test, /tables, ...) before /{id}.
  app.route("/api/connections", introspectionRouter);
  app.route("/api/connections", connectionsRouter);
  app.route("/api/pipelines", pipelinesRouter);

  registerHeaderComponents(app.openAPIRegistry);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key (cak_...) or a JWT access token",
  });
  const document = (origin: string) => ({
    openapi: "3.1.0",
    info: {
      title: "Connections API",
      version: LATEST_API_VERSION,
      description:
        "Store connections and credentials for data systems, test them, and look inside them. Errors are RFC 9457 problem+json. " +
        `Versions (Api-Version header; default ${DEFAULT_API_VERSION}): ${Object.entries(API_VERSION_CHANGES).map(([v, what]) => `${v}: ${what}`).join("; ")}. ` +
        "Every operation refuses query parameters it does not declare (400 unknown_query_parameter). " +
        "Rate limits are announced with RateLimit-Policy on every answer, and RateLimit plus Retry-After on a 429. " +
        "Browsers: CORS is off unless the CORS_ALLOWED_ORIGINS variable lists origins; then preflight requests (OPTIONS with Access-Control-Request-Method) are answered 204 without authentication.",
      license: { name: "Proprietary", url: "https://docs.connections-api.dev/license" },
    },
    servers: documentServers(origin),
    tags: [
      { name: "Connections", description: "Connections to data systems" },
      { name: "Introspection", description: "Testing connections and looking inside them" },
      { name: "Credentials", description: "Write-only secrets for connections" },
      { name: "Pipelines", description: "Pipelines that reference connections" },
      { name: "API keys", description: "Keys for calling this API" },
    ],
  });
  app.get("/openapi.json", (c) => c.json(addExamples(app.getOpenAPI31Document(document(new URL(c.req.url).origin)))));
  app.get("/docs", docsPage);
  app.get("/", (c) => c.redirect("/docs"));

  app.notFound((c) => problemResponse(new ApiError(404, "route_not_found", `No route for ${c.req.method} ${c.req.path}`), c.get("requestId") ?? ""));
  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? crypto.randomUUID();
    if (err instanceof ApiError) return problemResponse(err, requestId);
    if (err instanceof ConnectorError) return problemResponse(toApiError(err), requestId);
    if (err instanceof HTTPException) {
      const code = /json/i.test(err.message) ? "malformed_json" : err.status === 415 ? "unsupported_media_type" : "bad_request";
      return problemResponse(new ApiError(err.status, code, err.message || "Bad request"), requestId);
    }
    // Unknown failures are logged by request id only: messages may carry data we must not echo.
    const frames = err instanceof Error ? (err.stack ?? "").split("\n").slice(1, 6).map((l) => l.trim()) : [];
    console.error(JSON.stringify({ level: "error", requestId, error: err instanceof Error ? err.name : "unknown", frames }));
    return problemResponse(new ApiError(500, "internal_error", "An unexpected error occurred"), requestId);
  });
  return app;
}

export const app = createApp();
