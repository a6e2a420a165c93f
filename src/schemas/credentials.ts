import { z } from "@hono/zod-openapi";
import { isoTime, resourceName } from "./common";

const fieldMap = z.record(z.string().max(64), z.string().max(16384));

export const CredentialSchema = z
  .object({
    id: z.string().openapi({ example: "cred_0mia3k8x2abcdefghijkl" }),
    name: z.string(),
    type: z.string().openapi({ description: "Connector type the credential is for", example: "postgres" }),
    method: z.string().openapi({ description: "Auth method of that connector", example: "password" }),
    identity: z.record(z.string(), z.string()).openapi({ description: "Non-secret identifying fields", example: { user: "analyst" } }),
    secrets: z
      .record(z.string(), z.object({ set: z.literal(true), updatedAt: isoTime }))
      .openapi({ description: "Which secret fields are set and when each last changed. Values are never returned." }),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi("Credential");

export const CreateCredentialSchema = z
  .strictObject({
    name: resourceName,
    type: z.string().min(1).max(64).openapi({ example: "postgres" }),
    method: z.string().min(1).max(64).openapi({
      example: "password",
      description:
        "postgres: password (identity.user, secrets.password); snowflake: keyPair (identity.user, secrets.privateKey, secrets.passphrase?), programmaticAccessToken (secrets.token), oauth (secrets.token); databricks: personalAccessToken (secrets.token), oauthM2M (identity.clientId, secrets.clientSecret); s3: accessKey (identity.accessKeyId, secrets.secretAccessKey, secrets.sessionToken?)",
    }),
    identity: fieldMap.default({}),
    secrets: fieldMap.openapi({ example: { password: "s3cr3t" } }),
  })
  .openapi("CreateCredential");

export const UpdateCredentialSchema = z
  .strictObject({
    name: resourceName.optional(),
    identity: z.record(z.string().max(64), z.string().max(16384).nullable()).optional().openapi({ description: "Fields to change; null removes an optional field" }),
    secrets: z
      .record(z.string().max(64), z.string().max(16384).nullable())
      .optional()
      .openapi({ description: "Only the secret fields to rotate; null removes an optional one" }),
  })
  .openapi("UpdateCredential");

// An inline credential for POST /api/connections/test: used once, never stored.
export const InlineCredentialSchema = z
  .strictObject({
    method: z.string().min(1).max(64),
    identity: fieldMap.default({}),
    secrets: fieldMap,
  })
  .openapi("InlineCredential");
