import { z } from "zod";
import { credentialRef, nonEmpty, originUrl } from "../config-fields";

export const glueConfig = z.strictObject({
  region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be a region such as us-east-1"),
  catalogId: z.string().regex(/^[0-9]{12}(:[A-Za-z0-9_/.-]{1,255})?$/, "must be an AWS account id or a catalog id such as 123456789012:s3tablescatalog/bucket").optional(),
  endpoint: originUrl(["https", "http"]).optional().describe("Overrides https://glue.<region>.amazonaws.com"),
  // Table metadata and data files live in S3: where to read them (Iceberg metadata, previews).
  s3Endpoint: originUrl(["https", "http"]).optional().describe("Overrides https://s3.<region>.amazonaws.com"),
  s3Addressing: z.enum(["virtual", "path"]).default("virtual"),
  s3CredentialId: credentialRef
    .optional()
    .describe("An s3 credential (method accessKey) of this workspace that reads metadata and data files instead of the connection's own key pair; it must be approved for the S3 hosts"),
});
export type GlueConfig = z.infer<typeof glueConfig>;

// The same shape as the s3 engine's credential: one IAM key pair reads Glue and S3.
export const glueCredentials = {
  accessKey: {
    identity: z.strictObject({ accessKeyId: nonEmpty(128) }),
    secrets: z.strictObject({ secretAccessKey: nonEmpty(256), sessionToken: nonEmpty(4096).optional() }),
  },
};

export const glueEndpoint = (c: GlueConfig) => (c.endpoint ?? `https://glue.${c.region}.amazonaws.com`).replace(/\/+$/, "");
