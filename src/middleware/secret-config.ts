import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-types";
import { refuseSecretsInConfig } from "../services/connection-config";

// Runs before body validation on routes that take a config: a secret-looking key gets the
// secret_in_config answer (pointing to credentials) rather than the engine schema's "unknown key".
export const noSecretsInConfig = createMiddleware<AppEnv>(async (c, next) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    body = undefined; // not JSON: the validators answer that
  }
  if (body && typeof body === "object" && "config" in body) refuseSecretsInConfig((body as { config: unknown }).config);
  await next();
});
