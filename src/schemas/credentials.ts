import { z } from "@hono/zod-openapi";
import { resourceName } from "./common";
import { credentialBodies } from "./engines";

const hostList = z
  .array(z.string().min(1).max(253))
  .max(50)
  .openapi({ description: "Host names or IP addresses (no scheme, port or path)", example: ["db.example.com", "proxy.example.com"] });

// One variant per engine and auth method in the registry, discriminated by `type` and `method`.
const bodies = credentialBodies({
  name: resourceName,
  approvedHosts: hostList.optional().openapi({
    description:
      "Hosts the secrets may be sent to. Without it, the first connection you (this API key or JWT subject) save with the credential approves that connection's hosts",
  }),
  presentApprovedHosts: z.array(z.string()).openapi({
    description:
      "The only hosts the secrets are ever sent to (canonical host names, any port). Using the credential for a connection with another host answers 403 host_not_approved.",
    example: ["db.example.com", "proxy.example.com"],
  }),
});
export const CredentialSchema = bodies.present.openapi("Credential");
export const CreateCredentialSchema = bodies.create.openapi("CreateCredential");

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

