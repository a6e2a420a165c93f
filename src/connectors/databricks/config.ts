import { z } from "zod";
import { identifier, nonEmpty, originUrl, urlHost } from "../config-fields";

export const databricksConfig = z.strictObject({
  host: urlHost.describe("Workspace host, e.g. dbc-a1b2c3d4-e5f6.cloud.databricks.com"),
  warehouseId: z.string().regex(/^[A-Za-z0-9]{1,64}$/, "must be a SQL warehouse id"),
  catalog: identifier.optional(),
  schema: identifier.optional(),
  endpoint: originUrl(["https", "http"]).optional().describe("Overrides https://<host>"),
});
export type DatabricksConfig = z.infer<typeof databricksConfig>;

export const databricksCredentials = {
  personalAccessToken: {
    identity: z.strictObject({}),
    secrets: z.strictObject({ token: nonEmpty(8192) }),
  },
  oauthM2M: {
    identity: z.strictObject({ clientId: nonEmpty(255) }),
    secrets: z.strictObject({ clientSecret: nonEmpty(8192) }),
  },
};
