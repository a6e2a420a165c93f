// One error type for the whole API; the app's error handler turns it into RFC 9457 problem+json.
export type FieldError = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(message);
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  428: "Precondition Required",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export const titleFor = (status: number) => TITLES[status] ?? "Error";

// Every 401 carries the Bearer challenge (RFC 6750 section 3).
export const unauthorized = (message: string, code = "unauthorized") =>
  new ApiError(401, code, message, { headers: { "WWW-Authenticate": `Bearer realm="connections-api", error="invalid_token"` } });

export const badRequest = (code: string, message: string, errors?: FieldError[]) =>
  new ApiError(400, code, message, errors ? { errors } : {});
export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const conflict = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new ApiError(409, code, message, extra);
export const validationError = (errors: FieldError[], message = "The request is invalid") =>
  new ApiError(400, "validation_failed", message, { errors });
