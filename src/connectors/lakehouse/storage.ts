import { ConnectorError } from "../errors";
import { S3Client } from "../s3/client";
import type { ConnectorContext, ResolvedCredential } from "../types";

// Files a lakehouse catalog points at (metadata JSON, manifests, data files): s3://, s3a://, s3n://
// (and R2/S3 Tables locations in the same form) read through the signed S3 client, so the egress
// guard sees every storage host.

export type StorageTarget = { region: string; endpoint?: string; addressing: "virtual" | "path" };
export type StorageKeys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

// The hosts a storage target's requests go to: the endpoint's host, else AWS S3 in the region
// (path-style and virtual-hosted bucket names).
export function storageHosts(target: { region: string; endpoint?: string }): string[] {
  if (target.endpoint) return [new URL(target.endpoint).hostname.replace(/^\[|\]$/g, "")];
  return [`s3.${target.region}.amazonaws.com`, `*.s3.${target.region}.amazonaws.com`];
}

// A named storage credential (ctx.storageCredential, type s3 method accessKey) as a key pair.
export function keysOf(credential: ResolvedCredential | undefined): StorageKeys | null {
  if (!credential) return null;
  const { accessKeyId } = credential.identity;
  const { secretAccessKey, sessionToken } = credential.secrets;
  if (!accessKeyId || !secretAccessKey) return null;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

export function parseObjectUrl(url: string): { bucket: string; key: string } {
  const m = /^s3[an]?:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new ConnectorError("capability_not_supported", `Files at ${url.split("/").slice(0, 3).join("/")} cannot be read (only s3:// locations are supported)`);
  return { bucket: m[1]!, key: m[2]! };
}

export class StorageReader {
  requests = 0;
  bytesRead = 0;
  private clients = new Map<string, S3Client>();

  constructor(
    private readonly target: StorageTarget,
    private readonly keys: StorageKeys,
    private readonly ctx: ConnectorContext,
  ) {}

  client(bucket: string): S3Client {
    let c = this.clients.get(bucket);
    if (!c) {
      const credential: ResolvedCredential = {
        method: "accessKey",
        identity: { accessKeyId: this.keys.accessKeyId },
        secrets: { secretAccessKey: this.keys.secretAccessKey, ...(this.keys.sessionToken ? { sessionToken: this.keys.sessionToken } : {}) },
      };
      c = new S3Client({ bucket, region: this.target.region, endpoint: this.target.endpoint, addressing: this.target.addressing }, credential, this.ctx);
      this.clients.set(bucket, c);
    }
    return c;
  }

  // The whole object, refused when larger than maxBytes (one ranged GET).
  async readAll(url: string, maxBytes: number): Promise<Uint8Array> {
    const { bucket, key } = parseObjectUrl(url);
    this.requests++;
    const r = await this.client(bucket).getRange(key, { start: 0, end: maxBytes - 1 });
    if (!r) return new Uint8Array(0);
    this.bytesRead += r.bytes.byteLength;
    if (r.size > maxBytes) throw new ConnectorError("upstream_error", `${key.split("/").pop()} is larger than ${maxBytes} bytes, more than a metadata read may take`);
    return r.bytes;
  }

  // Bytes [start, end) of an object.
  async range(url: string, start: number, end: number): Promise<Uint8Array> {
    const { bucket, key } = parseObjectUrl(url);
    this.requests++;
    const r = await this.client(bucket).getRange(key, { start, end: end - 1 });
    if (!r || r.start !== start || r.bytes.byteLength < end - start) throw new ConnectorError("upstream_error", "The storage service sent a different byte range than requested");
    this.bytesRead += r.bytes.byteLength;
    return r.bytes.subarray(0, end - start);
  }

  async size(url: string): Promise<number> {
    const { bucket, key } = parseObjectUrl(url);
    this.requests++;
    const r = await this.client(bucket).getRange(key, { suffix: 1 });
    return r?.size ?? 0;
  }
}
