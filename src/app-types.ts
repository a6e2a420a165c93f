import type { Db } from "./db/client";
import type { Bindings } from "./env";
import type { Tenant } from "./services/tenant";

export type AppEnv = {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    db: Db;
    tenant: Tenant;
  };
};
