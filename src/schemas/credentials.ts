import { z } from "@hono/zod-openapi";
import { isoTime, resourceName } from "./common";

const fieldMap = z.record(z.string().max(64), z.string().max(16384));

const hostList = z
  .array(z.string().min(1).max(253))
  .max(50)
  .openapi({ description: "Host names or IP addresses (no scheme, port or path)", example: ["db.example.com", "proxy.example.com"] });

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
    approvedHosts: z.array(z.string()).openapi({
      description:
        "The only hosts the secrets are ever sent to (canonical host names, any port). Using the credential for a connection with another host answers 403 host_not_approved.",
      example: ["db.example.com", "proxy.example.com"],
    }),
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
    approvedHosts: hostList.optional().openapi({
      description:
        "Hosts the secrets may be sent to. Without it, the first connection you (this API key or JWT subject) save with the credential approves that connection's hosts",
    }),
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
    approvedHosts: hostList.optional().openapi({
      description: "Replaces the approved hosts. Only together with every secret field of the credential (403 secrets_required_for_approval otherwise)",
    }),
  })
  .openapi("UpdateCredential");

export const ApproveHostsSchema = z
  .strictObject({ hosts: hostList.min(1) })
  .openapi("ApproveHosts", { example: { hosts: ["db2.example.com"] } });

// An inline credential for POST /api/connections/test: used once, never stored.
export const InlineCredentialSchema = z
  .strictObject({
    method: z.string().min(1).max(64),
    identity: fieldMap.default({}),
    secrets: fieldMap,
  })
  .openapi("InlineCredential");
