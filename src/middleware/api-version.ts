import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-types";
import { setAnswerHeader } from "./answer-headers";
import { API_VERSIONS, DEFAULT_API_VERSION, isApiVersion } from "../lib/api-version";
import { ApiError } from "../lib/errors";

// Validates Api-Version on every API request and echoes the version used on every answer.
export const apiVersion = createMiddleware<AppEnv>(async (c, next) => {
  const asked = c.req.header("api-version")?.trim();
  if (asked !== undefined && !isApiVersion(asked)) {
    throw new ApiError(400, "unsupported_api_version", `Api-Version "${asked.slice(0, 40)}" is not a version of this API. Versions: ${API_VERSIONS.join(", ")}`, {
      errors: [{ path: "header.api-version", message: `must be one of ${API_VERSIONS.join(", ")}` }],
    });
  }
  const version = asked ?? DEFAULT_API_VERSION;
  c.set("apiVersion", version);
  await next();
  setAnswerHeader(c, "Api-Version", version);
});
