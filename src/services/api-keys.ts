import { and, asc, eq, gt } from "drizzle-orm";
import { apiKeys } from "../db/schema";
import { mintApiKey, type Scope } from "../lib/api-keys";
import { sha256Hex } from "../lib/encoding";
import { badRequest, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, keysetPage } from "../lib/pagination";
import { iso } from "../schemas/common";
import type { Tenant } from "./tenant";

type Row = typeof apiKeys.$inferSelect;

export const presentKey = (r: Row) => ({
  id: r.id,
  name: r.name,
  scope: r.scope,
  createdAt: iso(r.createdAt)!,
  expiresAt: iso(r.expiresAt),
  revokedAt: iso(r.revokedAt),
});

export async function listKeys(t: Tenant, limit: number, cursor?: string) {
  const after = decodeCursor("keys", cursor);
  const rows = await t.readOne(
    t.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.workspaceId, t.workspaceId), after ? gt(apiKeys.id, after) : undefined))
      .orderBy(asc(apiKeys.id))
      .limit(limit + 1),
  );
  return keysetPage("keys", rows, limit, presentKey);
}

export async function createKey(t: Tenant, input: { name: string; scope: Scope; expiresAt?: string }) {
  const expiresAt = input.expiresAt ? Date.parse(input.expiresAt) : null;
  if (expiresAt !== null && expiresAt <= Date.now()) {
    throw badRequest("validation_failed", "expiresAt must be in the future", [{ path: "body.expiresAt", message: "must be in the future" }]);
  }
  await t.verify();
  const row: Row = {
    id: newId("key"),
    workspaceId: t.workspaceId,
    name: input.name,
    scope: input.scope,
    hash: "",
    createdAt: Date.now(),
    expiresAt,
    revokedAt: null,
  };
  const token = mintApiKey(input.scope, t.workspaceId, row.id);
  row.hash = await sha256Hex(token);
  await t.db.insert(apiKeys).values(row);
  return { ...presentKey(row), token };
}

export async function revokeKey(t: Tenant, id: string) {
  await t.verify();
  const [row] = await t.db
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, t.workspaceId)))
    .returning();
  if (!row) throw notFound("API key");
  return presentKey(row);
}
