import { inject } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { s3Connector } from "../../src/connectors/s3";
import { s3Config, type S3Config } from "../../src/connectors/s3/config";
import type { ConnectorSession, ResolvedCredential } from "../../src/connectors/types";

// Connector-level helpers for the S3 tests. Every test file mints its own key pair on the local
// s3rver, and the counting proxy in front of it keeps requests and bytes per key id and object, so
// files running in parallel never see each other's requests.

export const servers = inject("servers");

export type LogEntry = { method: string; path: string; range: string | null; status: number; bytes: number; sessionToken: boolean };
export type Stats = { requests: number; bytes: number; log: LogEntry[] };

export type Key = { accessKeyId: string; secretAccessKey: string };

export async function mintKey(): Promise<Key> {
  const res = await fetch(`${servers.s3StatsUrl}/keys`, { method: "POST" });
  if (!res.ok) throw new Error(`minting a key failed: ${res.status}`);
  return res.json();
}

export const mainKey: Key = { accessKeyId: servers.s3AccessKeyId!, secretAccessKey: servers.s3SecretAccessKey! };

export function credential(key: Key, sessionToken?: string): ResolvedCredential {
  return {
    method: "accessKey",
    identity: { accessKeyId: key.accessKeyId },
    secrets: sessionToken ? { secretAccessKey: key.secretAccessKey, sessionToken } : { secretAccessKey: key.secretAccessKey },
  };
}

export function config(over: Partial<S3Config> = {}): S3Config {
  return s3Config.parse({
    bucket: servers.s3Bucket,
    region: servers.s3Region,
    endpoint: servers.s3Endpoint,
    addressing: "path",
    prefix: "data/",
    ...over,
  });
}

export async function open(
  key: Key,
  opts: { config?: Partial<S3Config>; allowPrivateNetwork?: boolean; previewRows?: number; timeoutMs?: number; sessionToken?: string } = {},
): Promise<ConnectorSession> {
  const timeoutMs = opts.timeoutMs ?? 25000;
  const ctx = createConnectorContext({
    allowPrivateNetwork: opts.allowPrivateNetwork ?? true,
    timeoutMs,
    limits: clampLimits({ timeoutMs, previewRows: opts.previewRows ?? 1000 }),
  });
  return s3Connector.open(config(opts.config), credential(key, opts.sessionToken), ctx);
}

// The key's next `times` requests answer 503 SlowDown.
export async function injectFaults(key: Key, times: number) {
  await fetch(`${servers.s3StatsUrl}/faults?akid=${encodeURIComponent(key.accessKeyId)}&times=${times}`, { method: "POST" });
}

// Requests the server saw from this key for one object ("fixtures/<key>") or the bucket listing ("fixtures").
export async function stats(key: Key, object: string): Promise<Stats> {
  const url = `${servers.s3StatsUrl}/stats?akid=${encodeURIComponent(key.accessKeyId)}&key=${encodeURIComponent(object)}`;
  return (await fetch(url)).json();
}

// Runs fn and returns what the server counted for `object` meanwhile.
export async function measured<T>(key: Key, object: string, fn: () => Promise<T>): Promise<{ result: T; delta: Stats }> {
  const before = await stats(key, object);
  const result = await fn();
  const after = await stats(key, object);
  return {
    result,
    delta: { requests: after.requests - before.requests, bytes: after.bytes - before.bytes, log: after.log.slice(before.log.length) },
  };
}

export const object = (path: string) => `${servers.s3Bucket}/data/${path}`;

// Size of a fixture, from a listing.
export async function sizeOf(session: ConnectorSession, path: string): Promise<number> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  const page = await session.listFiles!({ path: dir, delimiter: "/" }, { limit: 1000 });
  const entry = page.data.find((e) => e.path === path);
  if (!entry || entry.kind !== "object") throw new Error(`no fixture ${path}`);
  return entry.size;
}

export async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; engineCode?: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; message: string; detail?: { engineCode?: string } };
    return { code: e.code, message: e.message, engineCode: e.detail?.engineCode };
  }
  throw new Error("expected a rejection");
}
