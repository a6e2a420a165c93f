import { ConnectorError, type ConnectorErrorCode } from "../errors";

// Snowflake HTTP statuses and error codes -> ConnectorError, keeping Snowflake's own message (secrets
// scrubbed) and its code in detail.engineCode.

export type SnowflakeErrorBody = { code?: string; message?: string; sqlState?: string; statementHandle?: string };

export function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  // Anything that still looks like a bearer token or a JWT.
  out = out.replace(/Bearer\s+\S+/gi, "Bearer [redacted]").replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, "[redacted]");
  return out.length > 2000 ? `${out.slice(0, 2000)}…` : out;
}

const AUTH_HINTS: Record<string, string> = {
  "390144": "the key-pair JWT was refused: check the account identifier, the user and that the public key is registered for the user (RSA_PUBLIC_KEY_FP)",
  "390198": "the key-pair JWT has expired",
  "390303": "the OAuth access token is invalid",
  "390318": "the OAuth access token has expired",
};

function codeFor(status: number, code: string | undefined, sqlState: string | undefined): ConnectorErrorCode {
  if (status === 401) return "auth_failed";
  if (status === 403) return "permission_denied";
  if (status === 404) return "not_found";
  if (status === 408) return "timeout";
  if (status === 429) return "rate_limited";
  if (status === 400) return "invalid_request";
  if (status === 422) {
    if (code === "000630" || code === "000604" || sqlState === "57014") return "timeout";
    if (code === "002003" || code === "002043" || code === "000709") return "not_found";
    if (code === "003001" || sqlState === "42501") return "permission_denied";
    if (code === "390189" || code === "390201" || code === "000606") return "permission_denied";
    if (code?.startsWith("390")) return "auth_failed";
    return "upstream_error";
  }
  return "upstream_error";
}

export function snowflakeError(
  status: number,
  body: SnowflakeErrorBody | null,
  secrets: readonly string[],
  retryAfterSeconds?: number,
): ConnectorError {
  const code = body?.code;
  const raw = body?.message?.trim() || `HTTP ${status}`;
  const kind = codeFor(status, code, body?.sqlState);
  const hint = code && status === 401 ? AUTH_HINTS[code] : undefined;
  let message: string;
  if (status === 401) message = `Snowflake authentication failed${hint ? `: ${hint}` : ""} (${raw})`;
  else if (status === 404) message = `Snowflake endpoint not found (HTTP 404): check the account identifier. ${raw}`;
  else if (status === 429) message = `Snowflake is rate limiting requests: ${raw}`;
  else if (status >= 500) message = `Snowflake is unavailable (HTTP ${status}): ${raw}`;
  else message = `Snowflake: ${raw}`;
  const detail: { engineCode?: string; retryAfterSeconds?: number } = {};
  if (code) detail.engineCode = code;
  if (retryAfterSeconds !== undefined) detail.retryAfterSeconds = retryAfterSeconds;
  return new ConnectorError(kind, scrub(message, secrets), detail);
}
