import { z } from "zod";
import { credentialRef, hostname, nonEmpty, originUrl } from "../config-fields";

// Headers that carry credentials, address the request or belong to the protocol are set by the
// connector itself; extra headers are for routing or project selection (x-goog-user-project, ...).
const RESERVED_HEADER = /^(authorization|proxy-authorization|cookie|host|content-.*|x-amz-.*|x-iceberg-access-delegation|connection|transfer-encoding|te|upgrade|accept-encoding)$/i;

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, "must be an HTTP header name")
  .refine((h) => !RESERVED_HEADER.test(h), "is set by the connector (credentials go in a credential, not a header)");
const headerValue = z
  .string()
  .max(1024)
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "must not contain control characters");

// Where data files live when the catalog does not vend credentials: an S3-compatible endpoint, and
// the S3 credential (type s3, method accessKey) that reads them.
export const storageConfig = z.strictObject({
  credentialId: credentialRef
    .optional()
    .describe("An s3 credential (method accessKey) of this workspace that reads the data files when the catalog vends none; it must be approved for the storage endpoint's host"),
  region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be a region such as us-east-1 or auto"),
  endpoint: originUrl(["https", "http"]).optional().describe("S3-compatible endpoint (R2, MinIO, ...); default AWS S3"),
  addressing: z.enum(["virtual", "path"]).default("virtual"),
});

export const icebergConfig = z.strictObject({
  catalogUri: originUrl(["https", "http"]).describe("Iceberg REST catalog base URI, e.g. https://catalog.cloudflarestorage.com/<account>/<bucket>"),
  warehouse: nonEmpty(1024).optional().describe("Warehouse sent as ?warehouse= to /v1/config"),
  headers: z.record(headerName, headerValue).optional().describe("Extra, non-secret request headers"),
  // OAuth2 client credentials (credential method oauth2).
  tokenUrl: originUrl(["https", "http"]).optional().describe("OAuth2 token endpoint; default <catalogUri>/v1/oauth/tokens"),
  scope: z.string().min(1).max(1024).optional().describe("OAuth2 scope; default catalog (Polaris: PRINCIPAL_ROLE:ALL)"),
  // AWS SigV4 (credential method sigv4): Glue or S3 Tables Iceberg endpoints.
  signingName: z.enum(["glue", "s3tables"]).optional(),
  signingRegion: z.string().regex(/^[a-z0-9-]{2,32}$/).optional().describe("Default: taken from the catalog host (glue.<region>.amazonaws.com)"),
  // Previews read data files: with credentials the catalog vends, or with the connection's storage
  // credential (credential method sigv4, or a storage credential named here).
  storage: storageConfig.optional(),
  storageHosts: z.array(hostname).max(16).optional().describe("Hosts data files may be read from (vended locations)"),
});
export type IcebergConfig = z.infer<typeof icebergConfig>;

export const icebergCredentials = {
  bearer: {
    identity: z.strictObject({}),
    secrets: z.strictObject({ token: nonEmpty(8192) }),
  },
  oauth2: {
    identity: z.strictObject({ clientId: nonEmpty(255) }),
    secrets: z.strictObject({ clientSecret: nonEmpty(8192) }),
  },
  sigv4: {
    identity: z.strictObject({ accessKeyId: nonEmpty(128) }),
    secrets: z.strictObject({ secretAccessKey: nonEmpty(256), sessionToken: nonEmpty(4096).optional() }),
  },
};

export function catalogBase(config: IcebergConfig): string {
  return config.catalogUri.replace(/\/+$/, "");
}

export function tokenUrl(config: IcebergConfig): string {
  return config.tokenUrl ?? `${catalogBase(config)}/v1/oauth/tokens`;
}

// glue.us-east-1.amazonaws.com or s3tables.eu-west-1.amazonaws.com carry their region.
export function signingRegion(config: IcebergConfig): string | undefined {
  if (config.signingRegion) return config.signingRegion;
  const m = /^(?:glue|s3tables)[.-](?:fips\.)?([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(config.catalogUri).hostname);
  return m?.[1];
}
