import { ConnectorError, type ConnectorErrorCode } from "../errors";

// Iceberg REST error bodies ({"error":{"message","type","code"}}), OAuth2 errors ({"error",
// "error_description"}), AWS JSON errors ({"__type","message"}, also wrapped in {"Output":…} by
// Glue's Iceberg endpoint) and plain text; messages redacted and short.

const MAX_MESSAGE = 300;

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]");
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

// The AWS error type of a JSON body, without its namespace ("com.amazon.coral.service#X" -> "X").
export function awsErrorType(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const o = body as Record<string, unknown>;
  const raw = str(o.__type) ?? str((o.Output as Record<string, unknown> | undefined)?.__type);
  return raw?.split("#").pop()?.split(":")[0];
}

export function errorOfBody(body: unknown): { type?: string; message?: string } {
  if (!body || typeof body !== "object") return {};
  const o = body as Record<string, unknown>;
  if (o.error && typeof o.error === "object") {
    const e = o.error as Record<string, unknown>;
    return { type: str(e.type), message: str(e.message) };
  }
  const aws = awsErrorType(o);
  if (aws) {
    const out = (o.Output as Record<string, unknown> | undefined) ?? {};
    return { type: aws, message: str(o.message) ?? str(o.Message) ?? str(out.message) ?? str(out.Message) };
  }
  return { type: str(o.error), message: str(o.error_description) ?? str(o.message) };
}

export async function readIcebergError(res: Response, secrets: readonly string[]): Promise<{ type?: string; message: string }> {
  let text = "";
  try {
    text = (await res.text()).slice(0, 8192);
  } catch {
    // reported by status only
  }
  let found: { type?: string; message?: string } = {};
  try {
    found = errorOfBody(JSON.parse(text));
  } catch {
    if (!/^\s*</.test(text)) found = { message: text };
  }
  const message = (found.message ?? "").replace(/\s+/g, " ").trim() || res.statusText || `HTTP ${res.status}`;
  return { type: found.type ? redact(found.type, secrets).slice(0, 80) : undefined, message: redact(message, secrets) };
}

export function codeForStatus(status: number, type?: string): ConnectorErrorCode {
  if (status === 401 || status === 419) return "auth_failed";
  if (status === 403) return "permission_denied";
  if (status === 404) return "not_found";
  if (status === 406 || status === 501 || type === "UnsupportedOperationException") return "capability_not_supported";
  if (status === 429 || type === "SlowDownException" || type === "ThrottlingException") return "rate_limited";
  if (status === 408 || status === 504) return "timeout";
  if (status === 400) return "invalid_request";
  return "upstream_error";
}

export function httpError(service: string, status: number, what: string, err: { type?: string; message: string }): ConnectorError {
  const code = codeForStatus(status, err.type);
  const lead =
    code === "auth_failed"
      ? `${service} rejected the credentials`
      : code === "permission_denied"
        ? `${service} denied access`
        : code === "rate_limited"
          ? `${service} is rate limiting requests`
          : `${service} ${what} failed`;
  return new ConnectorError(code, `${lead} (HTTP ${status}${err.type ? ` ${err.type}` : ""}): ${err.message}`, err.type ? { engineCode: err.type } : {});
}
