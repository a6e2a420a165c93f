import { and, asc, eq, gt, ne, sql } from "drizzle-orm";
import { getConnector } from "../connectors/registry";
import type { ResolvedCredential } from "../connectors/types";
import { connections, credentials } from "../db/schema";
import type { Bindings } from "../env";
import { checkIfMatch, concurrentChange } from "../lib/etag";
import { ApiError, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, keysetPage } from "../lib/pagination";
import { loadKeyRing, openSecrets, sealSecrets } from "../lib/secrets-crypto";
import { iso } from "../schemas/common";
import { methodOf, validateCredentialFields } from "./credential-fields";
import { approvedHostsOf, capApproved, checkCredentialHosts, hostsForApproval, principalRef } from "./credential-hosts";
import { isForeignKeyViolation, isUniqueViolation } from "./db-errors";
import type { Tenant } from "./tenant";

export type CredentialRow = typeof credentials.$inferSelect;

export function presentCredential(r: CredentialRow) {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    method: r.method,
    identity: r.identity,
    secrets: Object.fromEntries(
      Object.entries(r.secretFields).map(([field, at]) => [field, { set: true as const, updatedAt: iso(at)! }]),
    ),
    approvedHosts: approvedHostsOf(r),
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}

const nameTaken = (name: string) => conflict("name_taken", `A credential named "${name}" already exists in this workspace`);

export const credentialQuery = (t: Tenant, id: string) =>
  t.db.select().from(credentials).where(and(eq(credentials.id, id), eq(credentials.workspaceId, t.workspaceId)));

export async function getCredential(t: Tenant, id: string): Promise<CredentialRow> {
  const [row] = await t.readOne(credentialQuery(t, id));
  if (!row) throw notFound("Credential");
  return row;
}

export async function listCredentials(t: Tenant, q: { type?: string; limit: number; cursor?: string }) {
  const after = decodeCursor("credentials", q.cursor);
  const rows = await t.readOne(
    t.db
      .select()
      .from(credentials)
      .where(
        and(
          eq(credentials.workspaceId, t.workspaceId),
          q.type ? eq(credentials.type, q.type.toLowerCase()) : undefined,
          after ? gt(credentials.id, after) : undefined,
        ),
      )
      .orderBy(asc(credentials.id))
      .limit(q.limit + 1),
  );
  return keysetPage("credentials", rows, q.limit, presentCredential);
}

export async function createCredential(
  t: Tenant,
  env: Bindings,
  input: {
    name: string;
    type: string;
    method: string;
    identity?: Record<string, string>;
    secrets: Record<string, string>;
    approvedHosts?: string[];
  },
) {
  const def = getConnector(input.type);
  const fields = validateCredentialFields(def, input.method, input.identity ?? {}, input.secrets);
  const approvedHosts = input.approvedHosts ? hostsForApproval(input.approvedHosts, "body.approvedHosts") : [];
  const ring = await loadKeyRing(env.ENCRYPTION_KEYS);
  const id = newId("cred");
  const sealed = await sealSecrets(ring, t.workspaceId, id, fields.secrets);
  const now = Date.now();
  const row: CredentialRow = {
    id,
    workspaceId: t.workspaceId,
    name: input.name,
    nameKey: input.name.toLowerCase(),
    type: def.type,
    method: input.method,
    identity: fields.identity,
    secretFields: Object.fromEntries(Object.keys(fields.secrets).map((k) => [k, now])),
    ciphertext: sealed.envelope,
    keyId: sealed.keyId,
    approvedHosts,
    legacyUses: null,
    secretsBy: principalRef(t.principal),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await t.db.insert(credentials).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name);
    throw err;
  }
  return row;
}

export async function updateCredential(
  t: Tenant,
  env: Bindings,
  id: string,
  patch: {
    name?: string;
    identity?: Record<string, string | null>;
    secrets?: Record<string, string | null>;
    approvedHosts?: string[];
  },
  ifMatch?: string,
) {
  const current = await getCredential(t, id);
  checkIfMatch(ifMatch, current.version);
  // An empty merge patch changes nothing, so it makes no new version.
  if (Object.values(patch).every((v) => v === undefined)) return current;
  const def = getConnector(current.type);
  methodOf(def, current.method);
  const now = Date.now();
  const update: Partial<CredentialRow> = { updatedAt: now };

  if (patch.name !== undefined) {
    update.name = patch.name;
    update.nameKey = patch.name.toLowerCase();
  }
  if (patch.identity || patch.secrets) {
    const ring = await loadKeyRing(env.ENCRYPTION_KEYS);
    const identity = applyPatch(current.identity, patch.identity);
    const secrets = applyPatch(await openSecrets(ring, t.workspaceId, id, current.ciphertext), patch.secrets);
    const fields = validateCredentialFields(def, current.method, identity, secrets);
    const secretFields: Record<string, number> = {};
    for (const k of Object.keys(fields.secrets)) {
      secretFields[k] = patch.secrets && k in patch.secrets ? now : (current.secretFields[k] ?? now);
    }
    const sealed = await sealSecrets(ring, t.workspaceId, id, fields.secrets);
    Object.assign(update, { identity: fields.identity, secretFields, ciphertext: sealed.envelope, keyId: sealed.keyId });
    // Sending every secret field again shows the caller holds the secret: they may set the hosts.
    const resupplied = Object.keys(fields.secrets).every((k) => typeof patch.secrets?.[k] === "string");
    if (resupplied) update.secretsBy = principalRef(t.principal);
    if (patch.approvedHosts && !resupplied) throw secretsRequired(id, Object.keys(fields.secrets));
  } else if (patch.approvedHosts) {
    throw secretsRequired(id, Object.keys(current.secretFields));
  }
  // The approvals are written out in full (legacy uses folded in) whenever the credential changes.
  update.approvedHosts = capApproved(
    patch.approvedHosts ? hostsForApproval(patch.approvedHosts, "body.approvedHosts") : approvedHostsOf(current),
    id,
  );
  update.legacyUses = null;
  let rows: CredentialRow[];
  try {
    rows = await t.db
      .update(credentials)
      .set({ ...update, version: sql`${credentials.version} + 1` })
      .where(and(eq(credentials.id, id), eq(credentials.workspaceId, t.workspaceId), eq(credentials.version, current.version)))
      .returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(patch.name ?? current.name);
    throw err;
  }
  if (!rows[0]) throw ifMatch ? new ApiError(412, "precondition_failed", "The credential changed; GET it again") : concurrentChange();
  return rows[0];
}

const secretsRequired = (id: string, fields: string[]) =>
  new ApiError(
    403,
    "secrets_required_for_approval",
    `Setting approvedHosts on credential ${id} needs every secret field sent again (${fields.join(", ")}), or an admin's POST /api/credentials/${id}/approved-hosts`,
    { errors: fields.map((f) => ({ path: `body.secrets.${f}`, message: "required to approve hosts" })) },
  );

// Adds (admin) or removes approved hosts; the credential's version changes like any other write.
export async function changeApprovedHosts(t: Tenant, id: string, change: { add?: string[]; remove?: string[] }, ifMatch?: string) {
  await t.verify();
  const current = await getCredential(t, id);
  checkIfMatch(ifMatch, current.version);
  const add = change.add ? hostsForApproval(change.add, "body.hosts") : [];
  const remove = change.remove ? hostsForApproval(change.remove, "query.host") : [];
  const next = capApproved(
    [...new Set([...approvedHostsOf(current), ...add])].filter((h) => !remove.includes(h)).sort(),
    id,
  );
  const rows = await t.db
    .update(credentials)
    .set({ approvedHosts: next, legacyUses: null, updatedAt: Date.now(), version: sql`${credentials.version} + 1` })
    .where(and(eq(credentials.id, id), eq(credentials.workspaceId, t.workspaceId), eq(credentials.version, current.version)))
    .returning();
  if (!rows[0]) throw ifMatch ? new ApiError(412, "precondition_failed", "The credential changed; GET it again") : concurrentChange();
  return rows[0];
}

// Binds a credential with no approved hosts to the hosts of its first saved use (see checkCredentialHosts).
export async function bindFirstUse(t: Tenant, row: CredentialRow, hosts: string[]) {
  const bound = await t.db
    .update(credentials)
    .set({ approvedHosts: capApproved(hosts, row.id), legacyUses: null, version: sql`${credentials.version} + 1` })
    .where(and(eq(credentials.id, row.id), eq(credentials.workspaceId, t.workspaceId), eq(credentials.version, row.version)))
    .returning({ id: credentials.id });
  if (!bound[0]) throw concurrentChange();
}

function applyPatch(base: Record<string, string>, patch?: Record<string, string | null>) {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export async function deleteCredential(t: Tenant, id: string, ifMatch?: string) {
  const [[row], users] = await t.read(
    credentialQuery(t, id),
    t.db
      .select({ id: connections.id })
      .from(connections)
      .where(and(eq(connections.workspaceId, t.workspaceId), eq(connections.credentialId, id)))
      .limit(100),
  );
  if (!row) throw notFound("Credential");
  checkIfMatch(ifMatch, row.version);
  if (users.length) {
    throw conflict("credential_in_use", "Connections still use this credential; detach or delete them first", {
      connectionIds: users.map((u) => u.id),
    });
  }
  try {
    const deleted = await t.db
      .delete(credentials)
      .where(and(eq(credentials.id, id), eq(credentials.workspaceId, t.workspaceId), eq(credentials.version, row.version)))
      .returning({ id: credentials.id });
    if (!deleted[0]) throw concurrentChange();
  } catch (err) {
    // A connection attached between our check and the delete trips the foreign key.
    if (isForeignKeyViolation(err)) {
      throw conflict("credential_in_use", "A connection started using this credential; retry after detaching it");
    }
    throw err;
  }
  return { id, deleted: true as const };
}

/**
 * Decrypts a credential for a connector that will contact exactly `hosts` (its egress is held to
 * them). The one place secrets are opened for use: a host the credential is not approved for is
 * refused here, whatever path led here.
 */
export async function resolveCredential(t: Tenant, env: Bindings, row: CredentialRow, hosts: string[]): Promise<ResolvedCredential> {
  checkCredentialHosts(row, hosts, t.principal);
  return unsealCredential(t, env, row);
}

/** Decrypts a credential that was already checked against the hosts it will be sent to. */
export async function unsealCredential(t: Tenant, env: Bindings, row: CredentialRow): Promise<ResolvedCredential> {
  const ring = await loadKeyRing(env.ENCRYPTION_KEYS);
  return { method: row.method, identity: row.identity, secrets: await openSecrets(ring, t.workspaceId, row.id, row.ciphertext) };
}

// Re-seals up to `batch` credentials of this workspace that are not under the newest key.
export async function reencryptCredentials(t: Tenant, env: Bindings, batch = 50) {
  await t.verify();
  const ring = await loadKeyRing(env.ENCRYPTION_KEYS);
  const stale = await t.db
    .select()
    .from(credentials)
    .where(and(eq(credentials.workspaceId, t.workspaceId), ne(credentials.keyId, ring.currentId)))
    .limit(batch + 1);
  let done = 0;
  for (const row of stale.slice(0, batch)) {
    const secrets = await openSecrets(ring, t.workspaceId, row.id, row.ciphertext);
    const sealed = await sealSecrets(ring, t.workspaceId, row.id, secrets);
    const res = await t.db
      .update(credentials)
      .set({ ciphertext: sealed.envelope, keyId: sealed.keyId })
      .where(and(eq(credentials.id, row.id), eq(credentials.ciphertext, row.ciphertext)))
      .returning({ id: credentials.id });
    done += res.length;
  }
  return { reencrypted: done, remaining: stale.length > batch, keyId: ring.currentId };
}
