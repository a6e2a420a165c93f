import { z } from "@hono/zod-openapi";
import { resourceName } from "./common";
import { connectionBodies } from "./engines";

const credentialId = z.string().max(64).nullable().optional().openapi({ description: "Credential holding this connection's secrets" });

const cacheTtlSeconds = z
  .number()
  .int()
  .min(0)
  .max(86_400)
  .nullable()
  .optional()
  .openapi({ description: "Seconds introspection lists (catalogs, schemas, tables, columns) are answered from the cache; null or absent: 300; 0: never cached" });

// One variant per engine in the registry, discriminated by `type`; config is the engine's own schema.
// The members below are the same for every engine.
const bodies = connectionBodies({
  create: {
    name: resourceName.openapi({ description: "Unique within the workspace, case-insensitively" }),
    credentialId,
    cacheTtlSeconds,
  },
  present: {
    credentialId: z.string().nullable(),
    cacheTtlSeconds: z.number().int().nullable().openapi({ description: "Seconds catalog, schema, table and column lists are cached; null: the default, 300; 0: never cached" }),
  },
});

export const ConnectionSchema = bodies.present.openapi("Connection");
export const CreateConnectionSchema = bodies.create.openapi("CreateConnection");

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
