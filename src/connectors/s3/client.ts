import { AwsClient } from "aws4fetch";
import { ConnectorError } from "../errors";
import type { ConnectorContext, ResolvedCredential } from "../types";
import type { S3Config } from "./config";
import { xmlText } from "./xml";

// The signed S3 client: builds path-style or virtual-host URLs, signs with SigV4 (service "s3", the
// configured region) and sends every request through the context's guarded fetch. Error XML is turned
// into typed ConnectorErrors that keep the S3 code (engineCode) and never the credentials.

const MAX_RETRIES = 2;

export type ObjectRange = { start: number; end: number } | { suffix: number };

export type RangeResult = {
  bytes: Uint8Array;
  start: number; // offset of bytes[0] in the object
  size: number; // total object size
};

export type S3Endpoint = { origin: string; basePath: string; host: string; pathStyle: boolean };

export function resolveEndpoint(config: S3Config): S3Endpoint {
  const pathStyle = config.addressing === "path";
  const base = config.endpoint
    ? new URL(config.endpoint)
    : new URL(`https://s3.${config.region}.amazonaws.com`);
  const basePath = base.pathname.replace(/\/+$/, "");
  if (pathStyle) return { origin: base.origin, basePath: `${basePath}/${config.bucket}`, host: base.hostname, pathStyle };
  const host = `${config.bucket}.${base.hostname}`;
  return { origin: `${base.protocol}//${host}${base.port ? `:${base.port}` : ""}`, basePath, host, pathStyle };
}

// Object keys as URL path: every byte that is not unreserved is percent-encoded, "/" kept. A literal
// "+" becomes %2B (aws4fetch and S3 read a bare "+" in a path as a space).
export function encodeKey(key: string): string {
  return key
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

export class S3Client {
  readonly endpoint: S3Endpoint;
  private readonly aws: AwsClient;

  constructor(
    readonly config: S3Config,
    credential: ResolvedCredential | null,
    private readonly ctx: ConnectorContext,
  ) {
    if (!credential || credential.method !== "accessKey") {
      throw new ConnectorError("invalid_request", "The s3 connector needs an accessKey credential");
    }
    const accessKeyId = credential.identity.accessKeyId;
    const secretAccessKey = credential.secrets.secretAccessKey;
    if (!accessKeyId || !secretAccessKey) {
      throw new ConnectorError("invalid_request", "The accessKey credential needs accessKeyId and secretAccessKey");
    }
    this.endpoint = resolveEndpoint(config);
    this.aws = new AwsClient({
      accessKeyId,
      secretAccessKey,
      sessionToken: credential.secrets.sessionToken || undefined,
      service: "s3",
      region: config.region,
      retries: MAX_RETRIES,
    });
  }

  bucketUrl(query: Record<string, string | undefined>): string {
    const qs = Object.entries(query)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join("&");
    return `${this.endpoint.origin}${this.endpoint.basePath || "/"}${qs ? `?${qs}` : ""}`;
  }

  objectUrl(key: string): string {
    return `${this.endpoint.origin}${this.endpoint.basePath}/${encodeKey(key)}`;
  }

  // One signed request through the guarded fetch; retried (re-signed) at most MAX_RETRIES times on
  // 5xx and 429, with a short jittered backoff that respects the deadline.
  async send(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const signed = await this.aws.sign(url, { method: init.method ?? "GET", headers: init.headers });
      const res = await this.ctx.fetch(signed.url, { method: signed.method, headers: signed.headers });
      const retryable = res.status >= 500 || res.status === 429;
      if (!retryable || attempt >= MAX_RETRIES) return res;
      const wait = Math.random() * 100 * 2 ** attempt;
      if (Date.now() + wait >= this.ctx.deadline) return res;
      await res.body?.cancel().catch(() => {});
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  async listObjects(args: {
    prefix: string;
    delimiter?: string;
    maxKeys: number;
    continuationToken?: string;
  }): Promise<string> {
    const url = this.bucketUrl({
      "list-type": "2",
      prefix: args.prefix || undefined,
      delimiter: args.delimiter || undefined,
      "max-keys": String(args.maxKeys),
      "continuation-token": args.continuationToken,
      "encoding-type": "url",
    });
    const res = await this.send(url);
    const text = await res.text();
    if (!res.ok) throw s3Error(res.status, text, { bucket: this.config.bucket });
    return text;
  }

  // A ranged GET. Returns null for an empty object (S3 answers 416 to any range on it).
  async getRange(key: string, range: ObjectRange): Promise<RangeResult | null> {
    const header = "suffix" in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end}`;
    const res = await this.send(this.objectUrl(key), { headers: { range: header } });
    if (res.status === 416) {
      const total = /\/(\d+)$/.exec(res.headers.get("content-range") ?? "")?.[1];
      await res.body?.cancel().catch(() => {});
      if (total === undefined || total === "0") return null;
      throw new ConnectorError("invalid_request", `The requested byte range of "${key}" is not satisfiable`, {
        engineCode: "InvalidRange",
      });
    }
    if (!res.ok) throw s3Error(res.status, await res.text(), { bucket: this.config.bucket, key });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status === 206) {
      const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get("content-range") ?? "");
      if (!m) throw new ConnectorError("upstream_error", "The storage service sent a partial response without Content-Range");
      const size = m[3] === "*" ? Number(m[2]) + 1 : Number(m[3]);
      return { bytes, start: Number(m[1]), size };
    }
    // 200: the server ignored the range and sent the whole object.
    return { bytes, start: 0, size: bytes.byteLength };
  }
}

// S3 error XML -> ConnectorError with a clear message and the S3 code.
export function s3Error(status: number, body: string, where: { bucket: string; key?: string }): ConnectorError {
  const code = xmlText(body, "Code") ?? (status === 404 ? (where.key ? "NoSuchKey" : "NoSuchBucket") : `HTTP${status}`);
  const upstream = (xmlText(body, "Message") ?? "").slice(0, 200);
  const detail = { engineCode: code };
  switch (code) {
    case "SignatureDoesNotMatch":
      return new ConnectorError(
        "auth_failed",
        "The secret access key does not match the access key id: the storage service rejected the request signature (SignatureDoesNotMatch)",
        detail,
      );
    case "InvalidAccessKeyId":
      return new ConnectorError("auth_failed", "The access key id is not known to the storage service (InvalidAccessKeyId)", detail);
    case "InvalidToken":
    case "ExpiredToken":
    case "TokenRefreshRequired":
      return new ConnectorError("auth_failed", `The session token was rejected (${code})`, detail);
    case "RequestTimeTooSkewed":
      return new ConnectorError("auth_failed", "The request time differs too much from the storage service's clock (RequestTimeTooSkewed)", detail);
    case "AuthorizationHeaderMalformed":
      return new ConnectorError("invalid_request", `The storage service rejected the signing region or credential scope: ${upstream} (${code})`, detail);
    case "AccessDenied":
    case "AllAccessDisabled":
      return new ConnectorError(
        "permission_denied",
        where.key
          ? `Access to "${where.key}" in bucket "${where.bucket}" is denied for this key (${code})`
          : `Access to bucket "${where.bucket}" is denied for this key (${code})`,
        detail,
      );
    case "NoSuchBucket":
      return new ConnectorError("not_found", `Bucket "${where.bucket}" does not exist (NoSuchBucket)`, detail);
    case "NoSuchKey":
      return new ConnectorError("not_found", `Object "${where.key ?? ""}" does not exist in bucket "${where.bucket}" (NoSuchKey)`, detail);
    case "PermanentRedirect":
    case "IllegalLocationConstraintException":
      return new ConnectorError("invalid_request", `Bucket "${where.bucket}" is in another region than the configured one (${code})`, detail);
    case "SlowDown":
    case "TooManyRequests":
      return new ConnectorError("rate_limited", `The storage service asked to slow down (${code})`, { ...detail, retryAfterSeconds: 1 });
    case "InvalidArgument":
      return new ConnectorError("invalid_request", `The storage service rejected an argument: ${upstream} (${code})`, detail);
  }
  if (status === 429 || status === 503) return new ConnectorError("rate_limited", `The storage service is throttling requests (${code})`, detail);
  if (status === 403) return new ConnectorError("permission_denied", `The storage service denied the request (${code})`, detail);
  if (status === 404) return new ConnectorError("not_found", `Not found in bucket "${where.bucket}" (${code})`, detail);
  return new ConnectorError("upstream_error", `The storage service answered ${status}${upstream ? `: ${upstream}` : ""} (${code})`, detail);
}
