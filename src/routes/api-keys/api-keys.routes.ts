import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../middleware/auth";
import { cursorParam, limitParam, pageOf } from "../../lib/pagination";
import { ApiKeySchema, CreateApiKeySchema, CreatedApiKeySchema } from "../../schemas/api-keys";
import { idParam } from "../../schemas/common";
import { createKey, listKeys, revokeKey } from "../../services/api-keys";
import { errorResponses, jsonBody, jsonContent, security } from "../openapi";
import { newRouter } from "../router";

const tags = ["API keys"];
const admin = requireScope("admin");

export const apiKeysRouter = newRouter();

apiKeysRouter.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listApiKeys",
    tags,
    security,
    middleware: admin,
    summary: "List API keys of the workspace (admin)",
    request: { query: z.object({ limit: limitParam(50, 200), cursor: cursorParam }) },
    responses: { 200: jsonContent(pageOf(ApiKeySchema), "A page of keys (never the tokens)"), ...errorResponses() },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await listKeys(c.get("tenant"), q.limit, q.cursor), 200);
  },
);

apiKeysRouter.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createApiKey",
    tags,
    security,
    middleware: admin,
    summary: "Create an API key (admin); the token is shown once",
    request: { body: jsonBody(CreateApiKeySchema) },
    responses: { 201: jsonContent(CreatedApiKeySchema, "The new key with its token"), ...errorResponses() },
  }),
  async (c) => c.json(await createKey(c.get("tenant"), c.req.valid("json")), 201),
);

apiKeysRouter.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "revokeApiKey",
    tags,
    security,
    middleware: admin,
    summary: "Revoke an API key (admin)",
    request: { params: idParam("key") },
    responses: { 200: jsonContent(ApiKeySchema, "The revoked key"), ...errorResponses(404) },
  }),
  async (c) => c.json(await revokeKey(c.get("tenant"), c.req.valid("param").id), 200),
);
