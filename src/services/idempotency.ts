import { and, eq, lt } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../app-types";
import { idempotencyKeys } from "../db/schema";
import { ApiError } from "../lib/errors";
import { keyedFingerprint, loadKeyRing } from "../lib/secrets-crypto";

const TTL_MS = 24 * 60 * 60 * 1000;
const REPLAYED_HEADERS = ["etag", "location"];

// Idempotency-Key for creates: the first request reserves the key, runs, and stores its answer;
// a retry with the same key and body gets that answer again; another body is refused (422).
export async function withIdempotency<R extends Response>(c: Context<AppEnv>, run: () => Promise<R>): Promise<R> {
  const key = c.req.header("idempotency-key");
  if (!key) return run();
  const t = c.get("tenant");
  await t.verify();
  const body = await c.req.json().catch(() => null);
  // Bodies may hold secrets (credential creates): the fingerprint is an HMAC under a key derived from
  // ENCRYPTION_KEYS, so a stored one cannot be checked against guessed secrets; it still covers the
  // secrets, so the same key with other secrets is refused rather than silently replayed.
  const ring = await loadKeyRing(c.env.ENCRYPTION_KEYS);
  const request = `${c.req.method} ${c.req.path}\n${JSON.stringify(body)}`;
  const fingerprint = (await keyedFingerprint(ring, request))!;
  const where = and(eq(idempotencyKeys.workspaceId, t.workspaceId), eq(idempotencyKeys.key, key));

  const now = Date.now();
  // Keys older than the TTL are forgotten, the workspace's whole backlog at once, so the table stays bounded.
  await t.db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.workspaceId, t.workspaceId), lt(idempotencyKeys.createdAt, now - TTL_MS)));
  const reserved = await t.db
    .insert(idempotencyKeys)
    .values({ workspaceId: t.workspaceId, key, fingerprint, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });

  if (!reserved.length) {
    const [prior] = await t.db.select().from(idempotencyKeys).where(where);
    if (!prior) throw new ApiError(409, "idempotency_in_progress", "A request with this Idempotency-Key is in progress; retry");
    const priorKeyId = prior.fingerprint.split(".")[0]!;
    if (prior.fingerprint !== (priorKeyId === ring.currentId ? fingerprint : await keyedFingerprint(ring, request, priorKeyId))) {
      throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request");
    }
    if (prior.status === null || prior.body === null) {
      throw new ApiError(409, "idempotency_in_progress", "A request with this Idempotency-Key is in progress; retry");
    }
    const headers = new Headers({ "content-type": "application/json", "idempotent-replayed": "true", ...(prior.headers ?? {}) });
    return new Response(prior.body, { status: prior.status, headers }) as R;
  }

  let res: R;
  try {
    res = await run();
  } catch (err) {
    // A failed attempt frees the key so the client can retry it.
    await t.db.delete(idempotencyKeys).where(where);
    throw err;
  }
  const text = await res.clone().text();
  const headers: Record<string, string> = {};
  for (const h of REPLAYED_HEADERS) {
    const v = res.headers.get(h);
    if (v) headers[h] = v;
  }
  await t.db.update(idempotencyKeys).set({ status: res.status, body: text, headers }).where(where);
  return res;
}
