import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import type { Auth } from "./auth";
import { httpError, readError, redact } from "./errors";

// One Databricks REST call: bearer auth (one refresh on 401 for OAuth), 429/503 retried a few times
// with capped backoff that honours Retry-After, and every failure mapped to a ConnectorError
// without secrets. Counts round trips (token requests included).

export const MAX_RETRIES = 3;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 2000;
const RETRY_AFTER_CAP_MS = 10_000;

export type CallOptions = {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  what?: string; // for messages: "statement execution", "catalog listing", ...
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

export class DatabricksClient {
  roundTrips = 0;

  constructor(
    readonly base: string, // origin (plus optional path prefix), no trailing slash
    readonly ctx: ConnectorContext,
    readonly auth: Auth,
  ) {}

  private counted = (url: string, init: RequestInit) => {
    this.roundTrips++;
    return this.ctx.fetch(url, init);
  };

  redact(text: string): string {
    return redact(text, this.auth.secrets);
  }

  // Ensures a usable bearer token (for OAuth: fetches one unless cached).
  async authorize(): Promise<string> {
    return this.auth.header(this.counted);
  }

  // `path` is an API path ("/api/2.0/...") or an internal link the API returned (also a path).
  async call<T>(method: "GET" | "POST", path: string, opts: CallOptions = {}): Promise<T> {
    if (!path.startsWith("/")) throw new ConnectorError("upstream_error", "Databricks returned an unexpected link");
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const what = opts.what ?? "request";
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.authorize();
      const headers: Record<string, string> = { authorization, accept: "application/json" };
      if (opts.body !== undefined) headers["content-type"] = "application/json";
      const res = await this.counted(url.href, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      if (res.ok) {
        try {
          return (await res.json()) as T;
        } catch {
          throw new ConnectorError("upstream_error", `Databricks ${what} answered with invalid JSON`);
        }
      }
      if (res.status === 401 && !refreshed && this.auth.invalidate(authorization)) {
        // An OAuth token expired or was revoked early: get a fresh one, once.
        await res.body?.cancel().catch(() => {});
        refreshed = true;
        continue;
      }
      const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
      if ((res.status === 429 || res.status === 503) && attempt < MAX_RETRIES) {
        const backoff = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        const wait = retryAfter !== undefined ? Math.max(retryAfter * 1000, 50) : backoff;
        if (wait <= RETRY_AFTER_CAP_MS && Date.now() + wait < this.ctx.deadline - 250) {
          await res.body?.cancel().catch(() => {});
          await sleep(wait, this.ctx.signal);
          continue;
        }
      }
      throw httpError(res.status, what, await readError(res, this.auth.secrets), retryAfter);
    }
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
