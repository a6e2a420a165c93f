import { ConnectorError, type ConnectorErrorCode } from "../errors";

// Turns engine and transport failures into ConnectorErrors whose messages never carry a secret.

export type Secrets = { password?: string; connectionString?: string };

/** Removes connection strings, `password=` pairs and the password itself from a message. */
export function scrub(message: string, secrets: Secrets = {}): string {
  let out = message;
  if (secrets.connectionString) out = out.split(secrets.connectionString).join("[redacted]");
  out = out.replace(/postgres(?:ql)?:\/\/[^\s'"]+/gi, "[connection string]");
  out = out.replace(/(password\s*[=:]\s*)(\S+)/gi, "$1[redacted]");
  if (secrets.password && secrets.password.length >= 3) out = out.split(secrets.password).join("[redacted]");
  if (out.length > 1000) out = out.slice(0, 1000) + "…";
  return out;
}

const BY_SQLSTATE: Record<string, ConnectorErrorCode> = {
  "28P01": "auth_failed",
  "28000": "auth_failed",
  "3D000": "not_found",
  "42501": "permission_denied",
  "57014": "timeout",
  "25006": "invalid_request",
  "25001": "invalid_request",
  "0A000": "invalid_request",
  "42601": "invalid_request",
  "53300": "rate_limited",
};

export type EngineError = { message: string; code?: string };

/** Maps a PostgreSQL error (SQLSTATE and message) to a ConnectorError. */
export function fromEngine(err: EngineError, secrets: Secrets): ConnectorError {
  const sqlstate = err.code ?? "";
  let code = BY_SQLSTATE[sqlstate];
  // Errors raised while connecting through a proxy may arrive without a SQLSTATE.
  if (!code && !sqlstate) {
    if (/password authentication failed|authentication failed|no pg_hba\.conf entry/i.test(err.message)) code = "auth_failed";
    else if (/database ".*" does not exist/i.test(err.message)) code = "not_found";
    else if (/permission denied/i.test(err.message)) code = "permission_denied";
  }
  const message = scrub(err.message, secrets);
  const prefix: Partial<Record<ConnectorErrorCode, string>> = {
    auth_failed: "Authentication failed: ",
    timeout: "The statement was stopped by the statement timeout: ",
  };
  return new ConnectorError(code ?? "upstream_error", (prefix[code ?? "upstream_error"] ?? "") + message, {
    engineCode: sqlstate || undefined,
  });
}

/** A failure to reach the server (no PostgreSQL error): refused, DNS, closed, timed out. */
export function unreachable(what: string, cause: unknown, secrets: Secrets): ConnectorError {
  if (cause instanceof ConnectorError) return cause;
  const raw = cause instanceof Error ? cause.message : String(cause);
  return new ConnectorError("unreachable", scrub(`Could not reach ${what}: ${raw || "connection failed"}`, secrets));
}
