import { z } from "zod";
import { identifier, nonEmpty, originUrl } from "../config-fields";

// Organisation-account (myorg-myaccount) or locator forms (xy12345.us-east-2.aws).
export const snowflakeAccount = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/, "must be a Snowflake account identifier");

export const snowflakeConfig = z.strictObject({
  account: snowflakeAccount,
  warehouse: identifier.optional(),
  database: identifier.optional(),
  schema: identifier.optional(),
  role: identifier.optional(),
  endpoint: originUrl(["https", "http"]).optional().describe("Overrides https://<account>.snowflakecomputing.com"),
});
export type SnowflakeConfig = z.infer<typeof snowflakeConfig>;

export const snowflakeCredentials = {
  keyPair: {
    identity: z.strictObject({ user: nonEmpty(255) }),
    secrets: z.strictObject({ privateKey: nonEmpty(16384), passphrase: nonEmpty(1024).optional() }),
  },
  programmaticAccessToken: {
    identity: z.strictObject({ user: nonEmpty(255).optional() }),
    secrets: z.strictObject({ token: nonEmpty(8192) }),
  },
  oauth: {
    identity: z.strictObject({ user: nonEmpty(255).optional() }),
    secrets: z.strictObject({ token: nonEmpty(8192) }),
  },
};
