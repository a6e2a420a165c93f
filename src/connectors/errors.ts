import { ApiError } from "../lib/errors";

// Typed failures a connector reports; mapped to HTTP once, here.
export type ConnectorErrorCode =
  | "auth_failed"
  | "permission_denied"
  | "host_not_allowed"
  | "unreachable"
  | "not_found"
  | "timeout"
  | "rate_limited"
  | "capability_not_supported"
  | "invalid_request"
  | "upstream_error"
  | "warehouse_not_running";

const STATUS: Record<ConnectorErrorCode, number> = {
  auth_failed: 502,
  permission_denied: 502,
  host_not_allowed: 422,
  unreachable: 502,
  not_found: 404,
  timeout: 504,
  rate_limited: 503,
  capability_not_supported: 422,
  invalid_request: 422,
  upstream_error: 502,
  warehouse_not_running: 409,
};

export class ConnectorError extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly detail: { retryAfterSeconds?: number; engineCode?: string; warehouse?: { id: string; state: string } } = {},
  ) {
    super(message);
  }
}

export const unsupported = (type: string, operation: string) =>
  new ConnectorError("capability_not_supported", `The ${type} connector does not support ${operation}`);

export function toApiError(err: ConnectorError): ApiError {
  const headers: Record<string, string> = {};
  if (err.detail.retryAfterSeconds) headers["Retry-After"] = String(err.detail.retryAfterSeconds);
  const extra: Record<string, unknown> = { headers };
  if (err.detail.engineCode) extra.engineCode = err.detail.engineCode;
  if (err.detail.warehouse) extra.warehouse = err.detail.warehouse;
  return new ApiError(STATUS[err.code], err.code, err.message, extra);
}
