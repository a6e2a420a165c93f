import type { Db } from "./db/client";
import type { ApiVersion } from "./lib/api-version";
import type { Bindings } from "./env";
import type { Tenant } from "./services/tenant";

export type AppEnv = {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    db: Db;
    tenant: Tenant;
    apiVersion: ApiVersion;
  };
};
