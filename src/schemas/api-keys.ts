import { z } from "@hono/zod-openapi";
import { isoTime, resourceName } from "./common";

export const scopeSchema = z.enum(["read", "write", "admin"]);

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: scopeSchema,
    createdAt: isoTime,
    expiresAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
  })
  .openapi("ApiKey");

export const CreateApiKeySchema = z
  .strictObject({
    name: resourceName,
    scope: scopeSchema.default("read"),
    expiresAt: z.iso.datetime({ offset: true }).optional().openapi({ description: "Optional expiry, in the future" }),
  })
  .openapi("CreateApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  token: z.string().openapi({ description: "The key itself. Shown once; store it now." }),
}).openapi("CreatedApiKey");
