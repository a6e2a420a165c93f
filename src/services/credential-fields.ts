import type { z } from "zod";
import type { ConnectorDefinition } from "../connectors/types";
import { ApiError, type FieldError } from "../lib/errors";

// Validates identity and secret fields against the connector's auth method. Messages name fields,
// never values.
function issues(prefix: string, error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join("."), message: i.message }));
}

export function methodOf(def: ConnectorDefinition, method: string) {
  const m = def.credentials[method];
  if (!m) {
    const known = Object.keys(def.credentials).join(", ");
    throw new ApiError(400, "unknown_auth_method", `The ${def.type} connector has no auth method "${method}". Known: ${known}`, {
      errors: [{ path: "body.method", message: `must be one of ${known}` }],
    });
  }
  return m;
}

export function validateCredentialFields(
  def: ConnectorDefinition,
  method: string,
  identity: Record<string, unknown>,
  secrets: Record<string, unknown>,
  where = "body",
) {
  const m = methodOf(def, method);
  const id = m.identity.safeParse(identity);
  const sec = m.secrets.safeParse(secrets);
  const errors = [...(id.success ? [] : issues(`${where}.identity`, id.error)), ...(sec.success ? [] : issues(`${where}.secrets`, sec.error))];
  if (errors.length) throw new ApiError(400, "validation_failed", "The credential fields do not fit the auth method", { errors });
  return { identity: id.data as Record<string, string>, secrets: sec.data as Record<string, string> };
}
