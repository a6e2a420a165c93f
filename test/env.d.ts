import type { D1Migration } from "@cloudflare/vitest-plugin";
import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      RL_TIGHT: RateLimit;
    }
  }
}

// Values the global setup hands to tests (addresses of the servers it started).
declare module "vitest" {
  export interface ProvidedContext {
    servers: Record<string, string>;
  }
}
