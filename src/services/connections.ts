import type { BatchItem } from "drizzle-orm/batch";
import { and, asc, eq, getTableColumns, gt, or, sql } from "drizzle-orm";
import { getConnector } from "../connectors/registry";
import type { ConnectorDefinition, ResolvedCredential } from "../connectors/types";
import { connections, credentials, pipelines } from "../db/schema";
import { bindStatement, queryBuilder, rowDecoder, statement, type Statement } from "../db/prepared";
import type { Bindings } from "../env";
import { atLeast, type ApiVersion } from "../lib/api-version";
import { checkIfMatch, concurrentChange } from "../lib/etag";
import { ApiError, conflict, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, keysetPage } from "../lib/pagination";
import { iso } from "../schemas/common";
import { mergeConfigPatch, validateConfig } from "./connection-config";
import { checkCredentialHosts } from "./credential-hosts";
import { bindFirstUse, credentialQuery, unsealCredential, type CredentialRow } from "./credentials";
import { isForeignKeyViolation, isUniqueViolation } from "./db-errors";
import { approveStorageUse, resolveStorageCredential } from "./storage-credential";
import type { Tenant } from "./tenant";

export type ConnectionRow = typeof connections.$inferSelect;

// The first API version in which DELETE ?force=true is honoured.
export const FORCE_DELETE_API_VERSION: ApiVersion = "2026-11-01";

export const presentConnection = (r: ConnectionRow) => ({
  id: r.id,
  name: r.name,
  type: r.type,
  config: r.config,
  credentialId: r.credentialId,
  cacheTtlSeconds: r.cacheTtlSeconds,
  createdAt: iso(r.createdAt)!,
  updatedAt: iso(r.updatedAt)!,
});

const nameTaken = (name: string) => conflict("name_taken", `A connection named "${name}" already exists in this workspace`);

const connectionQuery = (t: Tenant, id: string) =>
  t.db.select().from(connections).where(and(eq(connections.id, id), eq(connections.workspaceId, t.workspaceId)));

// GET by id and the list are the hottest reads: prepared statements (db/prepared.ts), not drizzle per request.
const decodeConnection = rowDecoder(connections);
const CONNECTION_BY_ID = statement<"id" | "workspaceId">(
  queryBuilder
    .select()
    .from(connections)
    .where(and(eq(connections.id, sql.placeholder("id")), eq(connections.workspaceId, sql.placeholder("workspaceId")))),
);

export async function getConnection(t: Tenant, id: string): Promise<ConnectionRow> {
  const [[row]] = await t.readStatements(bindStatement(t.db.$client, CONNECTION_BY_ID, { id, workspaceId: t.workspaceId }));
  if (!row) throw notFound("Connection");
  return decodeConnection(row);
}

type ListParam = "workspaceId" | "type" | "needle" | "after" | "limit";
const listStatements = new Map<string, Statement<ListParam>>();

// One statement per combination of filters (at most 8), built on first use.
function listStatement(has: { type: boolean; needle: boolean; after: boolean }): Statement<ListParam> {
  const key = `${+has.type}${+has.needle}${+has.after}`;
  let s = listStatements.get(key);
  if (!s) {
    s = statement<ListParam>(
      queryBuilder
        .select()
        .from(connections)
        .where(
          and(
            eq(connections.workspaceId, sql.placeholder("workspaceId")),
            has.type ? eq(connections.type, sql.placeholder("type")) : undefined,
            has.needle ? sql`instr(${connections.nameKey}, ${sql.placeholder("needle")}) > 0` : undefined,
            has.after ? gt(connections.id, sql.placeholder("after")) : undefined,
          ),
        )
        .orderBy(asc(connections.id))
        .limit(sql.placeholder("limit")),
    );
    listStatements.set(key, s);
  }
  return s;
}

export async function listConnections(t: Tenant, q: { type?: string; name?: string; limit: number; cursor?: string }) {
  const after = decodeCursor("connections", q.cursor);
  // instr() rather than LIKE: D1 refuses LIKE patterns over 50 bytes, and instr() needs no escaping.
  const needle = q.name ? q.name.toLowerCase() : undefined;
  const type = q.type ? q.type.toLowerCase() : undefined;
  const s = listStatement({ type: !!type, needle: !!needle, after: !!after });
  const [rows] = await t.readStatements(
    bindStatement(t.db.$client, s, { workspaceId: t.workspaceId, type, needle, after, limit: q.limit + 1 }),
  );
  return keysetPage("connections", rows.map(decodeConnection), q.limit, presentConnection);
}

function checkCredentialFits(def: ConnectorDefinition, cred: CredentialRow | undefined, id: string): asserts cred is CredentialRow {
  if (!cred) {
    throw new ApiError(422, "credential_not_found", `Credential ${id} does not exist in this workspace`, {
      errors: [{ path: "body.credentialId", message: "no such credential" }],
    });
  }
  if (cred.type !== def.type) {
    throw new ApiError(422, "credential_type_mismatch", `Credential ${id} is for ${cred.type}, not ${def.type}`, {
      errors: [{ path: "body.credentialId", message: `must be a ${def.type} credential` }],
    });
  }
}

export async function createConnection(
  t: Tenant,
  input: { name: string; type: string; config: Record<string, unknown>; credentialId?: string | null; cacheTtlSeconds?: number | null },
) {
  const def = getConnector(input.type);
  const config = validateConfig(def, input.config);
  await approveStorageUse(t, def, config);
  if (input.credentialId) {
    const [cred] = await t.readOne(credentialQuery(t, input.credentialId));
    checkCredentialFits(def, cred, input.credentialId);
    await approveUse(t, cred, def.hosts(config));
  }
  const now = Date.now();
  const row: ConnectionRow = {
    id: newId("conn"),
    workspaceId: t.workspaceId,
    name: input.name,
    nameKey: input.name.toLowerCase(),
    type: def.type,
    config,
    credentialId: input.credentialId ?? null,
    cacheTtlSeconds: input.cacheTtlSeconds ?? null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await t.db.insert(connections).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name);
    if (isForeignKeyViolation(err)) throw new ApiError(422, "credential_not_found", "The credential was deleted meanwhile");
    throw err;
  }
  return row;
}

export async function updateConnection(
  t: Tenant,
  id: string,
  patch: { name?: string; config?: Record<string, unknown>; credentialId?: string | null; cacheTtlSeconds?: number | null },
  ifMatch?: string,
) {
  // The credential after the change: the new one, or the one the connection has now.
  const [[current], [cred]] = await t.read(
    connectionQuery(t, id),
    patch.credentialId !== undefined ? credentialQuery(t, patch.credentialId ?? "-") : credentialOfConnection(t, id),
  );
  if (!current) throw notFound("Connection");
  checkIfMatch(ifMatch, current.version);
  // An empty merge patch changes nothing, so it makes no new version.
  if (Object.values(patch).every((v) => v === undefined)) return current;
  const def = getConnector(current.type);
  if (patch.credentialId) checkCredentialFits(def, cred, patch.credentialId);

  const update: Partial<ConnectionRow> = { updatedAt: Date.now() };
  if (patch.name !== undefined) Object.assign(update, { name: patch.name, nameKey: patch.name.toLowerCase() });
  if (patch.config !== undefined) update.config = validateConfig(def, mergeConfigPatch(current.config, patch.config));
  if (patch.credentialId !== undefined) update.credentialId = patch.credentialId;
  if (patch.cacheTtlSeconds !== undefined) update.cacheTtlSeconds = patch.cacheTtlSeconds;
  // A new storage credential or storage host: approved for the storage hosts of the result.
  if (update.config) await approveStorageUse(t, def, update.config);
  // A new host or a new credential: the credential must be approved for the hosts of the result.
  if ((patch.config !== undefined || patch.credentialId) && cred && patch.credentialId !== null) {
    await approveUse(t, cred, def.hosts(update.config ?? validateConfig(def, current.config, "config")));
  }

  let rows: ConnectionRow[];
  try {
    rows = await t.db
      .update(connections)
      .set({ ...update, version: sql`${connections.version} + 1` })
      .where(and(eq(connections.id, id), eq(connections.workspaceId, t.workspaceId), eq(connections.version, current.version)))
      .returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(patch.name ?? current.name);
    if (isForeignKeyViolation(err)) throw new ApiError(422, "credential_not_found", "The credential was deleted meanwhile");
    throw err;
  }
  if (!rows[0]) throw ifMatch ? new ApiError(412, "precondition_failed", "The connection changed; GET it again") : concurrentChange();
  return rows[0];
}

const credentialOfConnection = (t: Tenant, id: string) =>
  t.db
    .select(getTableColumns(credentials))
    .from(credentials)
    .innerJoin(connections, eq(connections.credentialId, credentials.id))
    .where(and(eq(connections.id, id), eq(connections.workspaceId, t.workspaceId), eq(credentials.workspaceId, t.workspaceId)));

// Saving a connection with a credential: its hosts must be approved, or this is the first use by the
// caller who supplied the secrets, which binds the credential to them.
async function approveUse(t: Tenant, cred: CredentialRow, hosts: string[]) {
  const check = checkCredentialHosts(cred, hosts, t.principal);
  if (check.kind === "first_use") await bindFirstUse(t, cred, check.hosts);
}

const references = (id: string) => or(eq(pipelines.sourceConnectionId, id), eq(pipelines.destinationConnectionId, id));

export async function deleteConnection(
  t: Tenant,
  id: string,
  opts: { force: boolean; apiVersion: ApiVersion; ifMatch?: string },
) {
  const [[row], refs] = await t.read(
    connectionQuery(t, id),
    t.db
      .select({ id: pipelines.id, status: pipelines.status })
      .from(pipelines)
      .where(and(eq(pipelines.workspaceId, t.workspaceId), references(id))),
  );
  if (!row) throw notFound("Connection");
  checkIfMatch(opts.ifMatch, row.version);
  const active = refs.filter((p) => p.status === "active").map((p) => p.id);
  if (active.length && !opts.force) {
    throw conflict("connection_in_use", "Active pipelines use this connection; pause or delete them, or force the delete", {
      pipelineIds: active,
    });
  }
  if (active.length && !atLeast(opts.apiVersion, FORCE_DELETE_API_VERSION)) {
    throw conflict(
      "force_delete_unavailable",
      `Force delete needs the header Api-Version: ${FORCE_DELETE_API_VERSION} or later`,
      { pipelineIds: active, requiredApiVersion: FORCE_DELETE_API_VERSION },
    );
  }
  const refIds = refs.map((p) => p.id);
  const now = Date.now();
  // One transaction: pause the pipelines we were allowed to pause, clear every reference, delete.
  // The conditions re-check the state inside the transaction, so a pipeline activated meanwhile
  // makes the delete affect nothing instead of leaving a dangling reference.
  const stillAllowed = opts.force
    ? sql`1`
    : sql`NOT EXISTS (SELECT 1 FROM ${pipelines} WHERE ${pipelines.status} = 'active' AND (${pipelines.sourceConnectionId} = ${id} OR ${pipelines.destinationConnectionId} = ${id}))`;
  const batch = [
    t.db
      .update(pipelines)
      .set({ status: "paused", updatedAt: now, version: sql`${pipelines.version} + 1` })
      .where(and(references(id), eq(pipelines.status, "active"), stillAllowed)),
    t.db
      .update(pipelines)
      .set({
        sourceConnectionId: sql`CASE WHEN ${pipelines.sourceConnectionId} = ${id} THEN NULL ELSE ${pipelines.sourceConnectionId} END`,
        destinationConnectionId: sql`CASE WHEN ${pipelines.destinationConnectionId} = ${id} THEN NULL ELSE ${pipelines.destinationConnectionId} END`,
        updatedAt: now,
        version: sql`${pipelines.version} + 1`,
      })
      .where(and(references(id), stillAllowed)),
    t.db
      .delete(connections)
      .where(and(eq(connections.id, id), eq(connections.workspaceId, t.workspaceId), eq(connections.version, row.version), stillAllowed))
      .returning({ id: connections.id }),
  ] as const;
  const results = await t.db.batch(batch);
  if (!results[2].length) throw concurrentChange();
  return {
    id,
    deleted: true as const,
    pausedPipelineIds: active,
    detachedPipelineIds: refIds,
  };
}

// Everything a connector call needs: the definition, validated config, the hosts it will contact and
// the credential, decrypted only if it is approved for those hosts. `configPatch` (a JSON Merge Patch)
// edits the stored config for this call only.
export async function loadConnectionForUse(
  t: Tenant,
  env: Bindings,
  id: string,
  configPatch?: Record<string, unknown>,
): Promise<{
  connection: ConnectionRow;
  definition: ConnectorDefinition;
  config: Record<string, unknown>;
  hosts: string[];
  credential: ResolvedCredential | null;
  storageCredential: ResolvedCredential | null;
}> {
  const { extra: _, credentialRow: __, unsealCredential, ...opened } = await loadConnectionWith(t, env, id, null, configPatch);
  return { ...opened, credential: await unsealCredential() };
}

// The same, with one more read (a cache row) in the same D1 batch; also the credential's row.
export async function loadConnectionWith<E extends BatchItem<"sqlite"> | null>(
  t: Tenant,
  env: Bindings,
  id: string,
  extraQuery: E,
  configPatch?: Record<string, unknown>,
): Promise<{
  connection: ConnectionRow;
  credentialRow: CredentialRow | null;
  definition: ConnectorDefinition;
  config: Record<string, unknown>;
  hosts: string[];
  /** Decrypts the credential (already checked against `hosts`): only when a connector will use it. */
  unsealCredential: () => Promise<ResolvedCredential | null>;
  storageCredential: ResolvedCredential | null;
  extra: E extends BatchItem<"sqlite"> ? Awaited<E> : null;
}> {
  const results = extraQuery
    ? await t.read(connectionQuery(t, id), credentialOfConnection(t, id), extraQuery as BatchItem<"sqlite">)
    : await t.read(connectionQuery(t, id), credentialOfConnection(t, id));
  const [[connection], [credRow]] = results;
  if (!connection) throw notFound("Connection");
  const definition = getConnector(connection.type);
  const config = configPatch
    ? validateConfig(definition, mergeConfigPatch(connection.config, configPatch))
    : validateConfig(definition, connection.config, "config");
  const hosts = definition.hosts(config);
  // Refused before anything else when the credential is not approved for these hosts.
  if (credRow) checkCredentialHosts(credRow, hosts, t.principal);
  // A storage credential named in the config: one more D1 read, only for configs that name one.
  const storageCredential = await resolveStorageCredential(t, env, definition, config);
  const extra = (extraQuery ? results[2] : null) as E extends BatchItem<"sqlite"> ? Awaited<E> : null;
  const unseal = () => (credRow ? unsealCredential(t, env, credRow) : Promise.resolve(null));
  return { connection, credentialRow: credRow ?? null, definition, config, hosts, unsealCredential: unseal, storageCredential, extra };
}
