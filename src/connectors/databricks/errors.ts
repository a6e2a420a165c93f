import { ConnectorError, type ConnectorErrorCode } from "../errors";

// Databricks error bodies in every shape the SDK tolerates: {error_code, message}, OAuth's
// {error, error_description}, SCIM {detail}, HTML pages (<pre>…</pre>), plain text, or nothing.

const MAX_MESSAGE = 300;

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  // Anything that still looks like a bearer token or a Databricks PAT.
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]").replace(/\bdapi[0-9a-f]{16,}\b/gi, "[redacted]");
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

export async function readError(res: Response, secrets: readonly string[]): Promise<{ code?: string; message: string }> {
  let text = "";
  try {
    text = (await res.text()).slice(0, 8192);
  } catch {
    // an unreadable body is reported by status only
  }
  let code: string | undefined;
  let message = "";
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    code = str(body.error_code) ?? str(body.errorCode) ?? str(body.error) ?? str(body.scimType);
    message = str(body.message) ?? str(body.error_description) ?? str(body.errorSummary) ?? str(body.detail) ?? "";
  } catch {
    const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(text);
    if (pre) message = pre[1]!;
    else if (!/^\s*</.test(text)) {
      const m = /^([A-Z][A-Z_]+): ([\s\S]*)$/.exec(text.trim());
      if (m) [code, message] = [m[1], m[2]!];
      else message = text;
    }
  }
  message = message.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim() || res.statusText || `HTTP ${res.status}`;
  return { code: code ? redact(code, secrets).slice(0, 80) : undefined, message: redact(message, secrets) };
}

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

export function codeForStatus(status: number): ConnectorErrorCode {
  if (status === 401) return "auth_failed";
  if (status === 403) return "permission_denied";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 408 || status === 504) return "timeout";
  return "upstream_error";
}

export function httpError(status: number, what: string, err: { code?: string; message: string }, retryAfterSeconds?: number): ConnectorError {
  const code = codeForStatus(status);
  const lead =
    code === "auth_failed"
      ? "Databricks rejected the credentials"
      : code === "permission_denied"
        ? "Databricks denied access"
        : code === "rate_limited"
          ? "Databricks is rate limiting requests"
          : `Databricks ${what} failed`;
  const detail: { engineCode?: string; retryAfterSeconds?: number } = {};
  if (err.code) detail.engineCode = err.code;
  if (retryAfterSeconds) detail.retryAfterSeconds = retryAfterSeconds;
  return new ConnectorError(code, `${lead} (HTTP ${status}${err.code ? ` ${err.code}` : ""}): ${err.message}`, detail);
}
