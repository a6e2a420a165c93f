import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import { requireScope } from "../../middleware/auth";
import { noSecretsInConfig } from "../../middleware/secret-config";
import { etagOf } from "../../lib/etag";
import { cursorParam, limitParam, pageOf } from "../../lib/pagination";
import { idParam } from "../../schemas/common";
import {
  ConnectionSchema,
  CreateConnectionSchema,
  DeleteConnectionResultSchema,
  UpdateConnectionSchema,
} from "../../schemas/connections";
import {
  createConnection,
  deleteConnection,
  FORCE_DELETE_API_VERSION,
  getConnection,
  listConnections,
  presentConnection,
  updateConnection,
} from "../../services/connections";
import { withIdempotency } from "../../services/idempotency";
import { errorResponses, etagHeader, idempotencyHeader, ifMatchHeader, jsonBody, jsonContent, locationHeader, mergePatchBody, security } from "../openapi";
import { newRouter } from "../router";

const tags = ["Connections"];
const write = requireScope("write");

export const connectionsRouter = newRouter();

connectionsRouter.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listConnections",
    tags,
    security,
    summary: "List connections in your workspace",
    request: {
      query: z.object({
        type: z.string().max(64).optional().openapi({ description: "Filter by connector type (postgres, snowflake, databricks, s3)" }),
        name: z.string().max(200).optional().openapi({ description: "Case-insensitive substring of the connection name (up to 200 characters)" }),
        limit: limitParam(50, 200),
        cursor: cursorParam,
      }),
    },
    responses: { 200: jsonContent(pageOf(ConnectionSchema), "A page of connections"), ...errorResponses() },
  }),
  async (c) => c.json(await listConnections(c.get("tenant"), c.req.valid("query")), 200),
);

connectionsRouter.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createConnection",
    tags,
    security,
    middleware: [write, noSecretsInConfig],
    summary: "Create a connection. Secret values belong in a credential; config holds non-secret settings",
    request: { headers: idempotencyHeader, body: jsonBody(CreateConnectionSchema) },
    responses: {
      201: { ...jsonContent(ConnectionSchema, "The connection"), headers: { ...etagHeader, ...locationHeader } },
      ...errorResponses(409, 422),
    },
  }),
  async (c) =>
    withIdempotency(c, async () => {
      const row = await createConnection(c.get("tenant"), c.req.valid("json"));
      c.header("ETag", etagOf(row.version));
      c.header("Location", `/api/connections/${row.id}`);
      return c.json(presentConnection(row), 201);
    }),
);

connectionsRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getConnection",
    tags,
    security,
    summary: "Return one connection, including metadata and non-secret config",
    request: { params: idParam("conn") },
    responses: {
      200: { ...jsonContent(ConnectionSchema, "The connection"), headers: etagHeader },
      ...errorResponses(404),
    },
  }),
  async (c) => {
    const row = await getConnection(c.get("tenant"), c.req.valid("param").id);
    c.header("ETag", etagOf(row.version));
    return c.json(presentConnection(row), 200);
  },
);

const update = <B extends NonNullable<NonNullable<RouteConfig["request"]>["body"]>>(method: "put" | "patch", body: B) =>
  createRoute({
    method,
    path: "/{id}",
    operationId: method === "patch" ? "patchConnection" : "updateConnection",
    tags,
    security,
    middleware: [write, noSecretsInConfig],
    summary: method === "patch" ? "Change a connection with a JSON Merge Patch (RFC 7396)" : "Change a connection (merge semantics, as PATCH)",
    description:
      method === "patch"
        ? "Members left out stay as they are; config is merged key by key (null removes a key) and the result is validated again; credentialId null detaches. An empty patch ({}) changes nothing and keeps the version."
        : "Kept for compatibility: PUT has always merged rather than replaced, and still does (the same body and rules as PATCH, sent as application/json). A request without a body is 400 body_required.",
    request: {
      params: idParam("conn"),
      headers: ifMatchHeader,
      body,
    },
    responses: {
      200: { ...jsonContent(ConnectionSchema, "The updated connection"), headers: etagHeader },
      ...errorResponses(404, 409, 412, 422),
    },
  });

connectionsRouter.openapi(update("patch", mergePatchBody(UpdateConnectionSchema)), async (c) => {
  const row = await updateConnection(c.get("tenant"), c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["if-match"]);
  c.header("ETag", etagOf(row.version));
  return c.json(presentConnection(row), 200);
});

connectionsRouter.openapi(update("put", jsonBody(UpdateConnectionSchema)), async (c) => {
  const row = await updateConnection(c.get("tenant"), c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["if-match"]);
  c.header("ETag", etagOf(row.version));
  return c.json(presentConnection(row), 200);
});

connectionsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "deleteConnection",
    tags,
    security,
    middleware: write,
    summary: `Remove a connection. 409 while active pipelines use it; ?force=true (Api-Version ${FORCE_DELETE_API_VERSION} or later) pauses them and clears their reference`,
    request: {
      params: idParam("conn"),
      query: z.object({
        force: z
          .enum(["true", "false"])
          .optional()
          .openapi({ description: `Pause referencing pipelines and delete anyway (needs Api-Version ${FORCE_DELETE_API_VERSION} or later)` }),
      }),
      headers: ifMatchHeader,
    },
    responses: { 200: jsonContent(DeleteConnectionResultSchema, "Deleted"), ...errorResponses(404, 409, 412) },
  }),
  async (c) => {
    const h = c.req.valid("header");
    const result = await deleteConnection(c.get("tenant"), c.req.valid("param").id, {
      force: c.req.valid("query").force === "true",
      apiVersion: c.get("apiVersion"),
      ifMatch: h["if-match"],
    });
    return c.json(result, 200);
  },
);
