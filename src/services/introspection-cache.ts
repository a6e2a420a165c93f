import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { introspectionCache } from "../db/schema";
import { sha256Hex } from "../lib/encoding";
import type { ConnectionRow } from "./connections";
import type { CredentialRow } from "./credentials";
import type { Tenant } from "./tenant";

// Introspection lists cached in D1, per connection and page. D1 rather than the Workers Cache API:
// the Cache API is per data centre and does nothing on workers.dev (and in some local setups), while
// D1 is one store everywhere, can be read in the same batch as the connection and the API key
// check (a hit costs no extra round trip), and keeps entries scoped by workspace in SQL.
//
// A row is used only when its workspace, connection and page key match and its fingerprint (the
// connection's version and config, its credential and that credential's last change) equals the
// connection's now: editing the connection or rotating its secret can never serve the old answer.

export const DEFAULT_CACHE_TTL_SECONDS = 300;
export const MAX_CACHE_TTL_SECONDS = 86_400;
// Larger answers are served live every time rather than stored.
const MAX_STORED_CHARS = 512 * 1024;
const SWEEP_ROWS = 50;

// beforeLive: called before a live read (not on a hit), e.g. the warehouse rate limit.
export type CacheRequest = { refresh: boolean; beforeLive?: () => Promise<void> };
export type CacheInfo = { hit: boolean; ageSeconds: number; ttlSeconds: number };
export type Cached<T> = { body: T & { cache: CacheInfo }; etag: string; cache: CacheInfo };

export const ttlOf = (c: ConnectionRow) => c.cacheTtlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;

export async function pageKey(operation: string, params: Record<string, unknown>): Promise<string> {
  return sha256Hex(JSON.stringify([operation, params]));
}

export function fingerprint(c: ConnectionRow, cred: CredentialRow | null): Promise<string> {
  return sha256Hex(JSON.stringify([c.id, c.type, c.version, c.updatedAt, c.config, c.credentialId, cred?.id ?? null, cred?.updatedAt ?? null, cred?.keyId ?? null]));
}

export const etagOf = async (body: string) => `"${(await sha256Hex(body)).slice(0, 32)}"`;

export function rowQuery(t: Tenant, connectionId: string, key: string) {
  return t.db
    .select()
    .from(introspectionCache)
    .where(and(eq(introspectionCache.workspaceId, t.workspaceId), eq(introspectionCache.connectionId, connectionId), eq(introspectionCache.key, key)));
}

type Row = typeof introspectionCache.$inferSelect;

// The stored answer when it may be served, else null.
export function usable(row: Row | undefined, print: string, ttlSeconds: number, req: CacheRequest, now: number): Row | null {
  if (!row || req.refresh || ttlSeconds <= 0) return null;
  if (row.fingerprint !== print || row.expiresAt <= now) return null;
  return row;
}

// Stores a live answer (replacing the page's row) and sweeps a few expired rows in the same batch.
export async function store(
  t: Tenant,
  entry: { connectionId: string; key: string; fingerprint: string; body: string; etag: string; ttlSeconds: number; now: number },
): Promise<void> {
  if (entry.ttlSeconds <= 0 || entry.body.length > MAX_STORED_CHARS) return;
  const row = {
    workspaceId: t.workspaceId,
    connectionId: entry.connectionId,
    key: entry.key,
    fingerprint: entry.fingerprint,
    body: entry.body,
    etag: entry.etag,
    createdAt: entry.now,
    expiresAt: entry.now + entry.ttlSeconds * 1000,
  };
  const expired = t.db
    .select({ rowid: sql<number>`rowid` })
    .from(introspectionCache)
    .where(lt(introspectionCache.expiresAt, entry.now))
    .limit(SWEEP_ROWS);
  await t.db.batch([
    t.db
      .insert(introspectionCache)
      .values(row)
      .onConflictDoUpdate({
        target: [introspectionCache.workspaceId, introspectionCache.connectionId, introspectionCache.key],
        set: { fingerprint: row.fingerprint, body: row.body, etag: row.etag, createdAt: row.createdAt, expiresAt: row.expiresAt },
      }),
    t.db.delete(introspectionCache).where(inArray(sql`rowid`, expired)),
  ]);
}
