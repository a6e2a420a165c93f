import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import type { Auth } from "./auth";
import { catalogBase, type IcebergConfig } from "./config";
import { awsErrorType, httpError, readIcebergError, redact } from "./errors";

// One Iceberg REST call: authorised (one token refresh on 401), 429/503 retried once when the
// deadline allows, 200 bodies checked for the key the spec promises (Glue answers 200 with an
// UnknownOperationException body), and failures mapped to ConnectorErrors without secrets.
// The catalog's /v1/config is read once per session: final config = defaults <- ours <- overrides.

export type CatalogSettings = {
  prefix: string | null; // raw, may contain "/" (Unity: catalogs/<name>); omitted from paths when absent
  warehouse: string | null;
  separator: string; // namespace separator in paths and parent= (default 0x1F)
  endpoints: Set<string> | null; // declared routes: a hint only
};

const RETRY_CAP_MS = 2000;

export class IcebergClient {
  roundTrips = 0;
  readonly base: string;
  private settings: CatalogSettings | null = null;

  constructor(
    readonly config: IcebergConfig,
    readonly ctx: ConnectorContext,
    readonly auth: Auth,
  ) {
    this.base = catalogBase(config);
  }

  counted = (url: string, init: RequestInit) => {
    this.roundTrips++;
    return this.ctx.fetch(url, init);
  };

  redact(text: string): string {
    return redact(text, this.auth.secrets);
  }

  // Fetches an OAuth2 token (unless cached); nothing for bearer and sigv4.
  async authenticate(): Promise<void> {
    if (this.auth.kind === "oauth2") await this.auth.prepare(this.base, { headers: {} }, this.counted);
  }

  async catalogSettings(): Promise<CatalogSettings> {
    if (this.settings) return this.settings;
    const query = this.config.warehouse ? { warehouse: this.config.warehouse } : {};
    const body = await this.request<Record<string, unknown>>("/v1/config", { query, what: "config lookup", expect: ["defaults", "overrides"] });
    const defaults = stringMap(body.defaults);
    const overrides = stringMap(body.overrides);
    const merged: Record<string, string> = { ...defaults, ...(this.config.warehouse ? { warehouse: this.config.warehouse } : {}), ...overrides };
    let separator = "\u001f";
    if (merged["namespace-separator"]) {
      try {
        separator = decodeURIComponent(merged["namespace-separator"]) || separator;
      } catch {
        // an undecodable separator: keep the spec's default
      }
    }
    const endpoints = Array.isArray(body.endpoints) ? new Set(body.endpoints.filter((e): e is string => typeof e === "string")) : null;
    this.settings = { prefix: merged.prefix?.replace(/^\/+|\/+$/g, "") || null, warehouse: merged.warehouse ?? null, separator, endpoints };
    return this.settings;
  }

  // "/v1/{prefix}/..." with the prefix inserted raw (it may hold "/"), or "/v1/..." without one.
  async path(rest: string): Promise<string> {
    const { prefix } = await this.catalogSettings();
    return prefix ? `/v1/${prefix}/${rest}` : `/v1/${rest}`;
  }

  async namespacePath(ns: string[]): Promise<string> {
    const { separator } = await this.catalogSettings();
    return encodeSegment(ns.join(separator));
  }

  // Declared as absent in /v1/config.endpoints (which is optional and only a hint).
  async declaredAbsent(route: string): Promise<boolean> {
    const { endpoints } = await this.catalogSettings();
    return endpoints !== null && endpoints.size > 0 && !endpoints.has(route);
  }

  async request<T>(
    path: string,
    opts: { query?: Record<string, string | undefined>; what: string; expect: string[]; headers?: Record<string, string>; onText?: (text: string) => void },
  ): Promise<T> {
    const qs = Object.entries(opts.query ?? {})
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join("&");
    const url = `${this.base}${path}${qs ? `?${qs}` : ""}`;
    let refreshed = false;
    let retried = false;
    for (;;) {
      const headers: Record<string, string> = { ...(this.config.headers ?? {}), ...(opts.headers ?? {}), accept: "application/json" };
      const prepared = await this.auth.prepare(url, { method: "GET", headers }, this.counted);
      const res = await this.counted(prepared.url, prepared.init);
      if (res.ok) return this.parse<T>(res, opts.what, opts.expect, opts.onText);
      if ((res.status === 401 || res.status === 419) && !refreshed && this.auth.invalidate(prepared.sent)) {
        await res.body?.cancel().catch(() => {});
        refreshed = true;
        continue;
      }
      if ((res.status === 429 || res.status === 503) && !retried) {
        const after = Number(res.headers.get("retry-after"));
        const wait = Number.isFinite(after) && after > 0 ? after * 1000 : 200;
        if (wait <= RETRY_CAP_MS && Date.now() + wait < this.ctx.deadline - 500) {
          await res.body?.cancel().catch(() => {});
          await new Promise((r) => setTimeout(r, wait));
          retried = true;
          continue;
        }
      }
      throw httpError("The Iceberg catalog", res.status, opts.what, await readIcebergError(res, this.auth.secrets));
    }
  }

  private async parse<T>(res: Response, what: string, expect: string[], onText?: (text: string) => void): Promise<T> {
    let body: unknown;
    try {
      const text = await res.text();
      body = JSON.parse(text);
      onText?.(text);
    } catch {
      throw new ConnectorError("upstream_error", `The Iceberg catalog's ${what} answered with invalid JSON`);
    }
    const aws = awsErrorType(body);
    if (aws) {
      // HTTP 200 carrying an AWS error: the operation is not served there.
      const code = /UnknownOperation|UnsupportedOperation/.test(aws) ? "capability_not_supported" : "upstream_error";
      throw new ConnectorError(code, `The Iceberg catalog's ${what} answered HTTP 200 with the error ${this.redact(aws)}`, { engineCode: aws });
    }
    if (!body || typeof body !== "object" || Array.isArray(body) || expect.some((k) => !(k in body))) {
      throw new ConnectorError("upstream_error", `The Iceberg catalog's ${what} answered HTTP 200 without ${expect.join(" and ")}`);
    }
    return body as T;
  }
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

// Path segments: every byte outside the unreserved set percent-encoded (0x1F becomes %1F).
export function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
