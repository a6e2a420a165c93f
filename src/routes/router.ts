import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-types";
import { validationError } from "../lib/errors";

// Every router shares one validation hook, so a bad request reads the same everywhere.
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === "json" ? "body" : result.target;
        throw validationError(
          result.error.issues.map((i) => ({
            path: [where, ...i.path.map(String)].join("."),
            message: i.message,
          })),
        );
      }
    },
  });
}
