import { z } from "zod";
import { isIpAddress, nonEmpty, originUrl } from "../config-fields";

export const s3Config = z.strictObject({
  bucket: z
    .string()
    .min(3)
    .max(63)
    .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "must be a valid bucket name"),
  region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be a region such as us-east-1 or auto"),
  endpoint: originUrl(["https", "http"]).optional().describe("R2, GCS interoperability, MinIO, ..."),
  addressing: z.enum(["virtual", "path"]).default("virtual"),
  prefix: z.string().max(1024).optional().describe("Root prefix every path is relative to"),
}).superRefine((config, ctx) => {
  // Virtual-host addressing puts the bucket in front of the endpoint's host name, which an IP
  // address does not have.
  const host = config.endpoint && URL.canParse(config.endpoint) ? new URL(config.endpoint).hostname : "";
  if (config.addressing === "virtual" && isIpAddress(host)) {
    ctx.addIssue({
      code: "custom",
      path: ["addressing"],
      message: 'must be "path" for an endpoint given as an IP address (virtual-host addressing needs a host name)',
    });
  }
});
export type S3Config = z.infer<typeof s3Config>;

export const s3Credentials = {
  accessKey: {
    identity: z.strictObject({ accessKeyId: nonEmpty(128) }),
    secrets: z.strictObject({ secretAccessKey: nonEmpty(256), sessionToken: nonEmpty(4096).optional() }),
  },
};
