import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import { requireScope } from "../../middleware/auth";
import { etagOf } from "../../lib/etag";
import { cursorParam, limitParam, pageOf } from "../../lib/pagination";
import { deletedSchema, idParam } from "../../schemas/common";
import { ApproveHostsSchema, CreateCredentialSchema, CredentialSchema, UpdateCredentialSchema } from "../../schemas/credentials";
import {
  createCredential,
  changeApprovedHosts,
  deleteCredential,
  getCredential,
  listCredentials,
  presentCredential,
  reencryptCredentials,
  updateCredential,
} from "../../services/credentials";
import { withIdempotency } from "../../services/idempotency";
import { errorResponses, etagHeader, idempotencyHeader, ifMatchHeader, jsonBody, jsonContent, mergePatchBody, security } from "../openapi";
import { newRouter } from "../router";

const tags = ["Credentials"];
const write = requireScope("write");

export const credentialsRouter = newRouter();

credentialsRouter.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listCredentials",
    tags,
    security,
    summary: "List credentials (secret values are never returned)",
    request: {
      query: z.object({
        type: z.string().max(64).optional().openapi({ description: "Filter by connector type" }),
        limit: limitParam(50, 200),
        cursor: cursorParam,
      }),
    },
    responses: { 200: jsonContent(pageOf(CredentialSchema), "A page of credentials"), ...errorResponses() },
  }),
  async (c) => c.json(await listCredentials(c.get("tenant"), c.req.valid("query")), 200),
);

credentialsRouter.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createCredential",
    tags,
    security,
    middleware: write,
    summary: "Create a credential; secrets are encrypted at rest and never returned",
    request: { headers: idempotencyHeader, body: jsonBody(CreateCredentialSchema) },
    responses: {
      201: { ...jsonContent(CredentialSchema, "The credential"), headers: etagHeader },
      ...errorResponses(409, 422),
    },
  }),
  async (c) =>
    withIdempotency(c, async () => {
      const row = await createCredential(c.get("tenant"), c.env, c.req.valid("json"));
      c.header("ETag", etagOf(row.version));
      return c.json(presentCredential(row), 201);
    }),
);

credentialsRouter.openapi(
  createRoute({
    method: "post",
    path: "/re-encrypt",
    operationId: "reencryptCredentials",
    tags,
    security,
    middleware: requireScope("admin"),
    summary: "Re-encrypt a batch of this workspace's credentials under the newest key (admin); repeat while remaining is true",
    responses: {
      200: jsonContent(z.object({ reencrypted: z.number().int(), remaining: z.boolean(), keyId: z.string() }), "Progress"),
      ...errorResponses(),
    },
  }),
  async (c) => c.json(await reencryptCredentials(c.get("tenant"), c.env), 200),
);

credentialsRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getCredential",
    tags,
    security,
    summary: "Get a credential: which secret fields are set and when they changed",
    request: { params: idParam("cred") },
    responses: {
      200: { ...jsonContent(CredentialSchema, "The credential"), headers: etagHeader },
      ...errorResponses(404),
    },
  }),
  async (c) => {
    const row = await getCredential(c.get("tenant"), c.req.valid("param").id);
    c.header("ETag", etagOf(row.version));
    return c.json(presentCredential(row), 200);
  },
);

const update = <B extends NonNullable<NonNullable<RouteConfig["request"]>["body"]>>(method: "put" | "patch", body: B) =>
  createRoute({
    method,
    path: "/{id}",
    operationId: method === "patch" ? "patchCredential" : "updateCredential",
    tags,
    security,
    middleware: write,
    summary: method === "patch" ? "Change a credential with a JSON Merge Patch (RFC 7396): rename, or rotate only the secret fields sent" : "Change a credential (merge semantics, as PATCH)",
    description:
      (method === "patch"
        ? "identity and secrets are merged field by field (null removes an optional field) and validated again against the auth method. An empty patch ({}) changes nothing and keeps the version. "
        : "Kept for compatibility: PUT has always merged rather than replaced, and still does (the same body and rules as PATCH, sent as application/json). A request without a body is 400 body_required. ") +
      "approvedHosts replaces the hosts the secrets may be sent to, and is accepted only when every secret field is sent again (403 secrets_required_for_approval otherwise).",
    request: { params: idParam("cred"), headers: ifMatchHeader, body },
    responses: {
      200: { ...jsonContent(CredentialSchema, "The updated credential"), headers: etagHeader },
      ...errorResponses(404, 409, 412),
    },
  });

credentialsRouter.openapi(update("patch", mergePatchBody(UpdateCredentialSchema)), async (c) => {
  const row = await updateCredential(c.get("tenant"), c.env, c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["if-match"]);
  c.header("ETag", etagOf(row.version));
  return c.json(presentCredential(row), 200);
});

credentialsRouter.openapi(update("put", jsonBody(UpdateCredentialSchema)), async (c) => {
  const row = await updateCredential(c.get("tenant"), c.env, c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["if-match"]);
  c.header("ETag", etagOf(row.version));
  return c.json(presentCredential(row), 200);
});

credentialsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "deleteCredential",
    tags,
    security,
    middleware: write,
    summary: "Delete a credential (409 with the connection ids while connections use it)",
    request: { params: idParam("cred"), headers: ifMatchHeader },
    responses: { 200: jsonContent(deletedSchema, "Deleted"), ...errorResponses(404, 409, 412) },
  }),
  async (c) => c.json(await deleteCredential(c.get("tenant"), c.req.valid("param").id, c.req.valid("header")["if-match"]), 200),
);

const hostsChanged = (description: string) => ({
  200: { ...jsonContent(CredentialSchema, description), headers: etagHeader },
  ...errorResponses(404, 409, 412),
});

credentialsRouter.openapi(
  createRoute({
    method: "post",
    path: "/{id}/approved-hosts",
    operationId: "approveCredentialHosts",
    tags,
    security,
    middleware: requireScope("admin"),
    summary: "Approve more hosts for a credential's secrets (admin)",
    description:
      "Adds hosts to approvedHosts without the secrets. The other way to approve hosts is PUT /api/credentials/{id} with every secret field and approvedHosts. A host refused with 403 host_not_approved is named in that problem's `hosts`.",
    request: {
      params: idParam("cred"),
      headers: ifMatchHeader,
      body: {
        required: true,
        content: {
          "application/json": {
            schema: ApproveHostsSchema,
            examples: {
              newServer: { summary: "A connection moved to a new server", value: { hosts: ["db2.example.com"] } },
              proxy: { summary: "The server and its WebSocket proxy", value: { hosts: ["db.example.com", "proxy.example.com"] } },
            },
          },
        },
      },
    },
    responses: hostsChanged("The credential with its approved hosts"),
  }),
  async (c) => {
    const row = await changeApprovedHosts(c.get("tenant"), c.req.valid("param").id, { add: c.req.valid("json").hosts }, c.req.valid("header")["if-match"]);
    c.header("ETag", etagOf(row.version));
    return c.json(presentCredential(row), 200);
  },
);

credentialsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/{id}/approved-hosts",
    operationId: "revokeCredentialHost",
    tags,
    security,
    middleware: requireScope("admin"),
    summary: "Withdraw a host's approval (admin); connections on that host can no longer use the credential",
    request: {
      params: idParam("cred"),
      headers: ifMatchHeader,
      query: z.object({ host: z.string().min(1).max(253).openapi({ description: "The host to withdraw", example: "db2.example.com" }) }),
    },
    responses: hostsChanged("The credential with its approved hosts"),
  }),
  async (c) => {
    const row = await changeApprovedHosts(c.get("tenant"), c.req.valid("param").id, { remove: [c.req.valid("query").host] }, c.req.valid("header")["if-match"]);
    c.header("ETag", etagOf(row.version));
    return c.json(presentCredential(row), 200);
  },
);
