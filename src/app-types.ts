import type { Db } from "./db/client";
import type { ApiVersion } from "./lib/api-version";
import type { Bindings } from "./env";
import type { Tenant } from "./services/tenant";

// Read these with c.get("name"): Hono's c.var builds a new object of all variables on every access.
export type AppEnv = {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    db: Db;
    tenant: Tenant;
    apiVersion: ApiVersion;
    // Set by the cached lists' rate-limit middleware: checks the warehouse limit, called only
    // before a live read (a cache hit reaches no warehouse).
    warehouseGate: () => Promise<void>;
  };
};
