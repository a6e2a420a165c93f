import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../middleware/auth";
import { etagOf } from "../../lib/etag";
import { cursorParam, limitParam, pageOf } from "../../lib/pagination";
import { deletedSchema, idParam } from "../../schemas/common";
import { CreatePipelineSchema, PipelineSchema, UpdatePipelineSchema } from "../../schemas/pipelines";
import { withIdempotency } from "../../services/idempotency";
import { createPipeline, deletePipeline, getPipeline, listPipelines, presentPipeline, updatePipeline } from "../../services/pipelines";
import { errorResponses, etagHeader, idempotencyHeader, ifMatchHeader, jsonBody, jsonContent, security } from "../openapi";
import { newRouter } from "../router";

const tags = ["Pipelines"];
const write = requireScope("write");

export const pipelinesRouter = newRouter();

pipelinesRouter.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listPipelines",
    tags,
    security,
    summary: "List pipelines",
    request: {
      query: z.object({
        connectionId: z.string().max(64).optional().openapi({ description: "Only pipelines that reference this connection" }),
        limit: limitParam(50, 200),
        cursor: cursorParam,
      }),
    },
    responses: { 200: jsonContent(pageOf(PipelineSchema), "A page of pipelines"), ...errorResponses() },
  }),
  async (c) => c.json(await listPipelines(c.get("tenant"), c.req.valid("query")), 200),
);

pipelinesRouter.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createPipeline",
    tags,
    security,
    middleware: write,
    summary: "Create a pipeline between two connections",
    request: { headers: idempotencyHeader, body: jsonBody(CreatePipelineSchema) },
    responses: { 201: { ...jsonContent(PipelineSchema, "The pipeline"), headers: etagHeader }, ...errorResponses(422) },
  }),
  async (c) =>
    withIdempotency(c, async () => {
      const row = await createPipeline(c.get("tenant"), c.req.valid("json"));
      c.header("ETag", etagOf(row.version));
      return c.json(presentPipeline(row), 201);
    }),
);

pipelinesRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getPipeline",
    tags,
    security,
    summary: "Get a pipeline",
    request: { params: idParam("pipe") },
    responses: { 200: { ...jsonContent(PipelineSchema, "The pipeline"), headers: etagHeader }, ...errorResponses(404) },
  }),
  async (c) => {
    const row = await getPipeline(c.get("tenant"), c.req.valid("param").id);
    c.header("ETag", etagOf(row.version));
    return c.json(presentPipeline(row), 200);
  },
);

pipelinesRouter.openapi(
  createRoute({
    method: "put",
    path: "/{id}",
    operationId: "updatePipeline",
    tags,
    security,
    middleware: write,
    summary: "Update a pipeline (name, connections, status)",
    request: { params: idParam("pipe"), headers: ifMatchHeader, body: jsonBody(UpdatePipelineSchema) },
    responses: {
      200: { ...jsonContent(PipelineSchema, "The pipeline"), headers: etagHeader },
      ...errorResponses(404, 409, 412, 422),
    },
  }),
  async (c) => {
    const row = await updatePipeline(c.get("tenant"), c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["if-match"]);
    c.header("ETag", etagOf(row.version));
    return c.json(presentPipeline(row), 200);
  },
);

pipelinesRouter.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "deletePipeline",
    tags,
    security,
    middleware: write,
    summary: "Delete a pipeline",
    request: { params: idParam("pipe"), headers: ifMatchHeader },
    responses: { 200: jsonContent(deletedSchema, "Deleted"), ...errorResponses(404, 409, 412) },
  }),
  async (c) => c.json(await deletePipeline(c.get("tenant"), c.req.valid("param").id, c.req.valid("header")["if-match"]), 200),
);
