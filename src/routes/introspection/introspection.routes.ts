import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../middleware/auth";
import { noSecretsInConfig } from "../../middleware/secret-config";
import { rateLimit, warehouseWhenLive } from "../../middleware/rate-limit";
import { pageOf } from "../../lib/pagination";
import { idParam } from "../../schemas/common";
import {
  CatalogSchema,
  ColumnSchema,
  ColumnsQuery,
  DiscoverBody,
  enginePageOf,
  FileEntrySchema,
  FileSchemaSchema,
  page,
  PreviewQuery,
  RowSetSchema,
  SchemaInfoSchema,
  TableDetailsSchema,
  TableSchema,
  TablesQuery,
  TestQueryBody,
  TestResultSchema,
  TestSavedConnectionSchema,
  TestSettingsSchema,
  withConnectionId,
} from "../../schemas/introspection";
import * as svc from "../../services/introspection";
import { errorResponses, jsonBody, jsonContent, ProblemSchema, security } from "../openapi";
import { newRouter } from "../router";
import { cacheOptions, cachedResponses, cacheHeaders, refreshQuery, sendCached } from "./cached";

// Calls that reach a data system: tighter rate limit, and 422/502/504 from the engine.
const tags = ["Introspection"];
const warehouse = rateLimit("warehouse");
const engineErrors = errorResponses(404, 422, 502, 503, 504);
// Statements on a warehouse: 409 warehouse_not_running when it is stopped and wake was not sent.
const statementErrors = {
  ...engineErrors,
  409: {
    description: "warehouse_not_running: the Snowflake or Databricks warehouse is not running and wake was not sent; `warehouse: {id, state}` says which and how",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
};
const params = idParam("conn");

export const introspectionRouter = newRouter();

introspectionRouter.openapi(
  createRoute({
    method: "post",
    path: "/test",
    operationId: "testConnectionSettings",
    tags,
    security,
    middleware: [requireScope("write"), noSecretsInConfig, warehouse],
    summary: "Validate settings without persisting a connection",
    description: "Secrets come from credentialId or an inline credential that is used once and never stored. Answers 200 whenever the test ran, passed or not.",
    request: { body: jsonBody(TestSettingsSchema) },
    responses: { 200: jsonContent(TestResultSchema, "The test ran; see ok and steps"), ...engineErrors },
  }),
  async (c) => c.json(await svc.testSettings(c.get("tenant"), c.env, c.req.valid("json")), 200),
);

introspectionRouter.openapi(
  createRoute({
    method: "post",
    path: "/test-query",
    operationId: "runTestQuery",
    tags,
    security,
    middleware: [requireScope("write"), warehouse],
    summary: "Run a read-only SQL statement to validate syntax and permissions (row cap and timeout apply)",
    request: { body: jsonBody(TestQueryBody) },
    responses: { 200: jsonContent(RowSetSchema, "The result, capped"), ...statementErrors },
  }),
  async (c) => c.json(await svc.testQuery(c.get("tenant"), c.env, c.req.valid("json")), 200),
);

introspectionRouter.openapi(
  createRoute({
    method: "post",
    path: "/databricks/discover",
    operationId: "discoverDatabricks",
    tags,
    security,
    middleware: warehouse,
    summary: "Discover catalogs and schemas for Databricks-backed connections",
    request: { body: jsonBody(DiscoverBody) },
    responses: {
      200: jsonContent(pageOf(z.record(z.string(), z.unknown())), "Catalogs with their schemas, or the schemas of one catalog"),
      ...engineErrors,
    },
  }),
  async (c) => c.json(await svc.discover(c.get("tenant"), c.env, c.req.valid("json")), 200),
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/tables",
    operationId: "listTablesByQuery",
    tags,
    security,
    middleware: warehouseWhenLive,
    summary: "List tables, with connectionId as a query parameter",
    request: { query: withConnectionId({ ...TablesQuery.shape, ...refreshQuery }), headers: cacheHeaders },
    responses: { ...cachedResponses(enginePageOf(TableSchema), "A page of tables"), ...engineErrors },
  }),
  async (c) => {
    const { connectionId, refresh, ...q } = c.req.valid("query");
    const h = c.req.valid("header");
    const r = await svc.listTables(c.get("tenant"), c.env, connectionId, { ...q, ...cacheOptions(c, refresh, h["cache-control"]) });
    return sendCached(c, r, h["if-none-match"]) as never;
  },
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/columns",
    operationId: "listColumnsByQuery",
    tags,
    security,
    middleware: warehouseWhenLive,
    summary: "Column metadata, with connectionId and table identifiers in the query string",
    request: { query: withConnectionId({ ...ColumnsQuery.shape, ...refreshQuery }), headers: cacheHeaders },
    responses: {
      ...cachedResponses(enginePageOf(ColumnSchema).extend({ table: TableDetailsSchema.optional() }), "A page of columns, with free details of the table where the engine has them"),
      ...engineErrors,
    },
  }),
  async (c) => {
    const { connectionId, refresh, ...q } = c.req.valid("query");
    const h = c.req.valid("header");
    const r = await svc.listColumns(c.get("tenant"), c.env, connectionId, { ...q, ...cacheOptions(c, refresh, h["cache-control"]) });
    return sendCached(c, r, h["if-none-match"]) as never;
  },
);

introspectionRouter.openapi(
  createRoute({
    method: "post",
    path: "/{id}/test",
    operationId: "testConnection",
    tags,
    security,
    middleware: [requireScope("write"), warehouse],
    summary: "Test a saved connection, optionally with edited settings that are not saved",
    description:
      "Without a body, tests the stored settings. With `{ \"config\": { ... } }`, the config is a JSON Merge Patch (RFC 7396) over the stored config, tested with the stored credential before anything is saved; its hosts must be among the credential's approvedHosts (403 host_not_approved otherwise).",
    request: {
      params,
      body: {
        required: false,
        content: {
          "application/json": {
            schema: TestSavedConnectionSchema,
            examples: {
              otherDatabase: { summary: "Try another database on the same server", value: { config: { database: "analytics_staging" } } },
              dropSchema: { summary: "Remove a key (null)", value: { config: { schema: null } } },
            },
          },
        },
      },
    },
    responses: { 200: jsonContent(TestResultSchema, "The test ran; see ok and steps"), ...engineErrors },
  }),
  async (c) => c.json(await svc.testSaved(c.get("tenant"), c.env, c.req.valid("param").id, c.req.valid("json").config), 200),
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/catalogs",
    operationId: "listCatalogs",
    tags,
    security,
    middleware: warehouseWhenLive,
    summary: "List catalogs (Iceberg, Unity Catalog, Hive-metastore style sources; databases elsewhere)",
    request: { params, query: z.object({ ...page, ...refreshQuery }), headers: cacheHeaders },
    responses: { ...cachedResponses(enginePageOf(CatalogSchema), "A page of catalogs"), ...engineErrors },
  }),
  async (c) => {
    const { refresh, ...q } = c.req.valid("query");
    const h = c.req.valid("header");
    const r = await svc.listCatalogs(c.get("tenant"), c.env, c.req.valid("param").id, { ...q, ...cacheOptions(c, refresh, h["cache-control"]) });
    return sendCached(c, r, h["if-none-match"]) as never;
  },
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/schemas",
    operationId: "listSchemas",
    tags,
    security,
    middleware: warehouseWhenLive,
    summary: "List schemas",
    request: { params, query: z.object({ catalog: z.string().min(1).max(1024).optional(), ...page, ...refreshQuery }), headers: cacheHeaders },
    responses: { ...cachedResponses(enginePageOf(SchemaInfoSchema), "A page of schemas"), ...engineErrors },
  }),
  async (c) => {
    const { refresh, ...q } = c.req.valid("query");
    const h = c.req.valid("header");
    const r = await svc.listSchemas(c.get("tenant"), c.env, c.req.valid("param").id, { ...q, ...cacheOptions(c, refresh, h["cache-control"]) });
    return sendCached(c, r, h["if-none-match"]) as never;
  },
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/tables",
    operationId: "listTables",
    tags,
    security,
    middleware: warehouseWhenLive,
    summary: "List tables available through the connection",
    request: { params, query: TablesQuery.extend(refreshQuery), headers: cacheHeaders },
    responses: { ...cachedResponses(enginePageOf(TableSchema), "A page of tables"), ...engineErrors },
  }),
  async (c) => {
    const { refresh, ...q } = c.req.valid("query");
    const h = c.req.valid("header");
    const r = await svc.listTables(c.get("tenant"), c.env, c.req.valid("param").id, { ...q, ...cacheOptions(c, refresh, h["cache-control"]) });
    return sendCached(c, r, h["if-none-match"]) as never;
  },
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/columns",
    operationId: "listColumns",
    tags,
    security,
    middleware: warehouseWhenLive,
    summary: "Return columns for a specific table",
    request: { params, query: ColumnsQuery.extend(refreshQuery), headers: cacheHeaders },
    responses: {
      ...cachedResponses(enginePageOf(ColumnSchema).extend({ table: TableDetailsSchema.optional() }), "A page of columns, with free details of the table where the engine has them"),
      ...engineErrors,
    },
  }),
  async (c) => {
    const { refresh, ...q } = c.req.valid("query");
    const h = c.req.valid("header");
    const r = await svc.listColumns(c.get("tenant"), c.env, c.req.valid("param").id, { ...q, ...cacheOptions(c, refresh, h["cache-control"]) });
    return sendCached(c, r, h["if-none-match"]) as never;
  },
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/preview",
    operationId: "previewRows",
    tags,
    security,
    middleware: warehouse,
    summary: "Sample rows from a table or object (limit default 100, at most 1000)",
    request: { params, query: PreviewQuery },
    responses: { 200: jsonContent(RowSetSchema, "The first rows"), ...statementErrors },
  }),
  async (c) => c.json(await svc.preview(c.get("tenant"), c.env, c.req.valid("param").id, c.req.valid("query")), 200),
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/files",
    operationId: "listFiles",
    tags,
    security,
    middleware: warehouse,
    summary: "Browse objects in cloud storage connections",
    request: {
      params,
      query: z.object({
        path: z.string().max(1024).default("").openapi({ description: "Path prefix inside the bucket or container" }),
        delimiter: z.string().max(8).default("/").openapi({ description: "Directory delimiter (often /)" }),
        ...page,
      }),
    },
    responses: { 200: jsonContent(enginePageOf(FileEntrySchema), "Folders and objects"), ...engineErrors },
  }),
  async (c) => c.json(await svc.listFiles(c.get("tenant"), c.env, c.req.valid("param").id, c.req.valid("query")), 200),
);

introspectionRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/cloud-schema",
    operationId: "getCloudSchema",
    tags,
    security,
    middleware: warehouse,
    summary: "Infer or load schema for files in cloud storage (Parquet footer, CSV/JSON sample)",
    request: {
      params,
      query: z.object({ path: z.string().min(1).max(1024).openapi({ description: "Object key or path to inspect" }) }),
    },
    responses: { 200: jsonContent(FileSchemaSchema, "The file's schema"), ...engineErrors },
  }),
  async (c) => c.json(await svc.inferFileSchema(c.get("tenant"), c.env, c.req.valid("param").id, c.req.valid("query").path), 200),
);
