import { z } from "@hono/zod-openapi";
import { isoTime, resourceName } from "./common";

const config = z.record(z.string(), z.unknown());

export const ConnectionSchema = z
  .object({
    id: z.string().openapi({ example: "conn_0mia3k8x2abcdefghijkl" }),
    name: z.string(),
    type: z.string().openapi({ example: "postgres" }),
    config: config.openapi({
      description: "Resolved non-secret configuration (defaults applied)",
      example: { host: "db.example.com", port: 5432, database: "analytics", sslMode: "require" },
    }),
    credentialId: z.string().nullable(),
    cacheTtlSeconds: z.number().int().nullable().openapi({ description: "Seconds catalog, schema, table and column lists are cached; null: the default, 300; 0: never cached" }),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi("Connection");

export const CreateConnectionSchema = z
  .strictObject({
    name: resourceName.openapi({ description: "Unique within the workspace, case-insensitively" }),
    type: z.string().min(1).max(64).openapi({ description: "Connector type: postgres, snowflake, databricks, s3", example: "postgres" }),
    config: config.openapi({
      description: "Connector-specific non-secret settings; secrets belong in a credential",
      example: { host: "db.example.com", database: "analytics" },
    }),
    credentialId: z.string().max(64).nullable().optional().openapi({ description: "Credential holding this connection's secrets" }),
    cacheTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .nullable()
      .optional()
      .openapi({ description: "Seconds introspection lists (catalogs, schemas, tables, columns) are answered from the cache; null or absent: 300; 0: never cached" }),
  })
  .openapi("CreateConnection");

export const UpdateConnectionSchema = z
  .strictObject({
    name: resourceName.optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "JSON Merge Patch (RFC 7396) over the stored config: null removes a key; the result is validated again" }),
    credentialId: z.string().max(64).nullable().optional().openapi({ description: "New credential, or null to detach" }),
    cacheTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .nullable()
      .optional()
      .openapi({ description: "Seconds introspection lists (catalogs, schemas, tables, columns) are answered from the cache; null or absent: 300; 0: never cached" }),
  })
  .openapi("UpdateConnection");

export const DeleteConnectionResultSchema = z
  .object({
    id: z.string(),
    deleted: z.literal(true),
    pausedPipelineIds: z.array(z.string()).openapi({ description: "Active pipelines paused by a forced delete" }),
    detachedPipelineIds: z.array(z.string()).openapi({ description: "Pipelines whose reference to this connection was cleared" }),
  })
  .openapi("DeletedConnection");
