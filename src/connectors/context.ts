import { assertUrlAllowed, type EgressOptions } from "../lib/egress";
import { ConnectorError } from "./errors";
import type { ConnectorContext, Limits } from "./types";

// The one way a connector reaches the network: every URL is checked by the egress rules, redirects are
// followed by hand (same host only, at most MAX_REDIRECTS), and everything is cut off at the deadline.

export const MAX_REDIRECTS = 3;

export const LIMIT_DEFAULTS = {
  previewRows: 100,
  previewRowsMax: 1000,
  queryRows: 1000,
  queryRowsMax: 10000,
  statementTimeoutMs: 15000,
  statementTimeoutMsMax: 60000,
  responseBytes: 5 * 1024 * 1024,
} as const;

const clampInt = (value: number | undefined, fallback: number, max: number) => {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(value)));
};

/** Fills in and caps the per-call limits (preview/query rows, statement timeout, response bytes). */
export function clampLimits(input: { previewRows?: number; queryRows?: number; timeoutMs?: number } = {}): Limits {
  const d = LIMIT_DEFAULTS;
  return {
    previewRows: clampInt(input.previewRows, d.previewRows, d.previewRowsMax),
    queryRows: clampInt(input.queryRows, d.queryRows, d.queryRowsMax),
    statementTimeoutMs: clampInt(input.timeoutMs, d.statementTimeoutMs, d.statementTimeoutMsMax),
    responseBytes: d.responseBytes,
  };
}

export type ConnectorContextOptions = EgressOptions & {
  timeoutMs: number;
  limits: Limits;
  signal?: AbortSignal; // e.g. the caller giving up
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// Error text from the runtime may quote the URL (and so its query string); keep only a short,
// URL-free reason.
function safeReason(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const cleaned = raw
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, "<url>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 160);
  return cleaned || "network error";
}

function isStreamBody(body: unknown): boolean {
  return typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
}

export function createConnectorContext(opts: ConnectorContextOptions): ConnectorContext {
  const egress: EgressOptions = { allowPrivateNetwork: opts.allowPrivateNetwork, allowedHosts: opts.allowedHosts };
  const timeoutMs = Math.max(0, opts.timeoutMs);
  const deadline = Date.now() + timeoutMs;
  const timeoutSignal = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeoutSignal, opts.signal]) : timeoutSignal;

  const timeoutError = (host: string) =>
    new ConnectorError("timeout", `The request to ${host} did not finish within ${timeoutMs} ms`);

  // Why the context's signal fired, as a ConnectorError.
  const abortError = (host: string): ConnectorError => {
    const reason: unknown = opts.signal?.aborted ? opts.signal.reason : undefined;
    if (reason instanceof ConnectorError) return reason;
    return timeoutError(host);
  };

  const assertAllowed = (url: string | URL) => assertUrlAllowed(url, egress);

  const guardedFetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(typeof input === "string" ? input : input.href);
    } catch {
      throw new ConnectorError("host_not_allowed", "The URL is not valid");
    }
    assertAllowed(url);
    const host = url.hostname;
    if (signal.aborted || Date.now() >= deadline) throw abortError(host);

    const requestSignal = init.signal ? AbortSignal.any([signal, init.signal]) : signal;
    let method = (init.method ?? "GET").toUpperCase();
    let body = init.body;
    let headers = new Headers(init.headers);

    for (let redirects = 0; ; redirects++) {
      let res: Response;
      try {
        res = await fetch(url, { ...init, method, body, headers, redirect: "manual", signal: requestSignal });
      } catch (err) {
        if (err instanceof ConnectorError) throw err;
        if (signal.aborted) throw abortError(host);
        if (init.signal?.aborted) throw new ConnectorError("timeout", `The request to ${host} was cancelled`);
        throw new ConnectorError("unreachable", `Could not reach ${host}: ${safeReason(err)}`);
      }

      const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get("location") : null;
      if (location === null) return res;
      await res.body?.cancel().catch(() => {});

      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new ConnectorError("upstream_error", `${host} answered with an invalid redirect`);
      }
      const sameHost = next.hostname === url.hostname;
      const sameOrigin = sameHost && next.protocol === url.protocol && next.port === url.port;
      const upgrade =
        sameHost &&
        ((url.protocol === "http:" && next.protocol === "https:") || (url.protocol === "ws:" && next.protocol === "wss:")) &&
        next.port === "";
      if (!sameOrigin && !upgrade) {
        throw new ConnectorError(
          "host_not_allowed",
          `${host} redirected to ${next.hostname || "another host"}; redirects to other hosts are not followed`,
        );
      }
      assertAllowed(next);
      if (redirects >= MAX_REDIRECTS) {
        throw new ConnectorError("upstream_error", `${host} redirected more than ${MAX_REDIRECTS} times`);
      }
      // As fetch does: 303 (and 301/302 after POST) turn into a GET without a body.
      if ((res.status === 303 && method !== "HEAD") || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        headers = new Headers(headers);
        for (const h of ["content-type", "content-length", "content-encoding", "content-language"]) headers.delete(h);
      } else if (body != null && isStreamBody(body)) {
        throw new ConnectorError("upstream_error", `${host} redirected a streamed request body, which cannot be replayed`);
      }
      url = next;
    }
  };

  return {
    fetch: guardedFetch,
    assertAllowed,
    allowPrivateNetwork: opts.allowPrivateNetwork,
    deadline,
    signal,
    limits: opts.limits,
  };
}
