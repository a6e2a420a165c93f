import type { ConnectorDefinition, ResolvedCredential } from "../connectors/types";
import type { Bindings } from "../env";
import { ApiError } from "../lib/errors";
import { checkCredentialHosts } from "./credential-hosts";
import { bindFirstUse, credentialQuery, resolveCredential, type CredentialRow } from "./credentials";
import type { Tenant } from "./tenant";

// The second credential a lakehouse config names for its object storage (iceberg
// storage.credentialId, glue s3CredentialId): read in the caller's workspace only, it must be an s3
// credential of method accessKey and approved for the storage hosts the connector will send it to,
// under the same rule as the connection's own credential (credential-hosts.ts).

const STORAGE_TYPE = "s3";
const STORAGE_METHOD = "accessKey";

type Use = { credentialId: string; hosts: string[]; path: string };

function useOf(def: ConnectorDefinition, config: Record<string, unknown>): Use | null {
  return def.storageCredential?.(config) ?? null;
}

// An id of another workspace reads exactly like an id that does not exist.
async function loadFitting(t: Tenant, use: Use, where: string): Promise<CredentialRow> {
  const [row] = await t.readOne(credentialQuery(t, use.credentialId));
  const path = where ? `${where}.${use.path}` : use.path;
  if (!row) {
    throw new ApiError(422, "credential_not_found", `Credential ${use.credentialId} (${use.path}) does not exist in this workspace`, {
      errors: [{ path, message: "no such credential" }],
    });
  }
  if (row.type !== STORAGE_TYPE || row.method !== STORAGE_METHOD) {
    throw new ApiError(
      422,
      "credential_type_mismatch",
      `Credential ${use.credentialId} (${use.path}) is ${row.type}/${row.method}; object storage needs an ${STORAGE_TYPE} credential with method ${STORAGE_METHOD}`,
      { errors: [{ path, message: `must be an ${STORAGE_TYPE} credential with method ${STORAGE_METHOD}` }] },
    );
  }
  return row;
}

/** Saving a config that names a storage credential: approved hosts, or the supplier's first use binds them. */
export async function approveStorageUse(t: Tenant, def: ConnectorDefinition, config: Record<string, unknown>, where = "body") {
  const use = useOf(def, config);
  if (!use) return;
  const row = await loadFitting(t, use, where);
  const check = checkCredentialHosts(row, use.hosts, t.principal);
  if (check.kind === "first_use") await bindFirstUse(t, row, check.hosts);
}

/** Using one: decrypted only when approved for the storage hosts (checked before any request). */
export async function resolveStorageCredential(
  t: Tenant,
  env: Bindings,
  def: ConnectorDefinition,
  config: Record<string, unknown>,
  where = "",
): Promise<ResolvedCredential | null> {
  const use = useOf(def, config);
  if (!use) return null;
  const row = await loadFitting(t, use, where);
  return resolveCredential(t, env, row, use.hosts);
}
