import { z } from "@hono/zod-openapi";
import { isoTime, resourceName } from "./common";

const connRef = z.string().regex(/^conn_[0-9a-z]{21}$/, "must be a conn_ id").openapi({ example: "conn_0mia3k8x2abcdefghijkl" });
const status = z.enum(["active", "paused"]);

export const PipelineSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    sourceConnectionId: z.string().nullable(),
    destinationConnectionId: z.string().nullable(),
    status,
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi("Pipeline");

export const CreatePipelineSchema = z
  .strictObject({
    name: resourceName,
    sourceConnectionId: connRef,
    destinationConnectionId: connRef,
    status: status.default("active"),
  })
  .openapi("CreatePipeline");

export const UpdatePipelineSchema = z
  .strictObject({
    name: resourceName.optional(),
    sourceConnectionId: connRef.optional(),
    destinationConnectionId: connRef.optional(),
    status: status.optional(),
  })
  .openapi("UpdatePipeline");
