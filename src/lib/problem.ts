import { ApiError, titleFor } from "./errors";

// RFC 9457 problem+json. `type` is a stable URI per code so clients can branch on it.
export function problemResponse(err: ApiError, requestId: string): Response {
  const { errors, headers, ...rest } = err.extra;
  const body: Record<string, unknown> = {
    type: `https://docs.connections-api.dev/problems/${err.code}`,
    title: titleFor(err.status),
    status: err.status,
    detail: err.message,
    code: err.code,
    requestId,
    ...rest,
  };
  if (errors) body.errors = errors;
  const h = new Headers({ "content-type": "application/problem+json", "x-request-id": requestId });
  for (const [k, v] of Object.entries(headers ?? {})) h.set(k, v);
  return new Response(JSON.stringify(body), { status: err.status, headers: h });
}
