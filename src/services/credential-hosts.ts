import { getConnector } from "../connectors/registry";
import type { credentials } from "../db/schema";
import { canonicalHostName } from "../lib/egress";
import { ApiError } from "../lib/errors";
import type { Principal } from "./tenant";

// A stored secret travels only to the hosts its credential is approved for. The hosts of a use are
// what the connector's hosts(config) yields, the same list the egress guard then holds the connector
// to. Approving a host takes someone who can show the secret (the caller who supplied every secret
// field: their first use of a credential with no approved hosts, or re-supplying the secrets with
// approvedHosts) or an admin (POST /api/credentials/{id}/approved-hosts).

type Row = typeof credentials.$inferSelect;

export const MAX_APPROVED_HOSTS = 50;

// A host, or a "*.suffix" pattern as some connectors' hosts() yield (Glue: *.s3.<region>.amazonaws.com).
// A pattern is approved as the pattern, compared as a string, never expanded here.
function canonical(host: string): string | null {
  const wildcard = host.startsWith("*.");
  const name = canonicalHostName(wildcard ? host.slice(2) : host);
  return name === null || name.includes("*") ? null : wildcard ? `*.${name}` : name;
}

/** Canonical, de-duplicated, sorted; a host that does not parse is kept as written (it never matches). */
export function canonicalHosts(hosts: readonly string[]): string[] {
  return [...new Set(hosts.map((h) => canonical(h) ?? h))].sort();
}

// Hosts of the connections a credential served before approvals existed (frozen by migration 0001).
// A frozen config that no longer validates contributes nothing.
function legacyHosts(row: Row): string[] {
  const out: string[] = [];
  for (const use of row.legacyUses ?? []) {
    try {
      const def = getConnector(use.type);
      const parsed = def.config.safeParse(use.config);
      if (parsed.success) out.push(...def.hosts(parsed.data));
    } catch {
      // unknown type or unusable config: no hosts
    }
  }
  return out;
}

/** The hosts the credential's secrets may be sent to. */
export function approvedHostsOf(row: Row): string[] {
  return canonicalHosts([...row.approvedHosts, ...legacyHosts(row)]);
}

/** Who a caller is, for "the caller who supplied the secrets"; null when it cannot be told apart. */
export function principalRef(p: Principal): string | null {
  if (p.via === "api_key") return p.keyId ? `key:${p.keyId}` : null;
  return p.subject ? `jwt:${p.subject}` : null;
}

export type HostCheck = { kind: "approved" } | { kind: "first_use"; hosts: string[] };

/**
 * Allows a use of the credential for `hosts` or throws 403 host_not_approved naming the hosts.
 * "first_use": the credential has no approved hosts and the caller supplied its secrets; saving a
 * connection then binds the credential to these hosts.
 */
export function checkCredentialHosts(row: Row, hosts: readonly string[], principal: Principal): HostCheck {
  const wanted = canonicalHosts(hosts);
  const approved = approvedHostsOf(row);
  const missing = wanted.filter((h) => !approved.includes(h));
  if (!missing.length) return { kind: "approved" };
  const by = principalRef(principal);
  if (!approved.length && by !== null && row.secretsBy === by) return { kind: "first_use", hosts: wanted };
  throw hostNotApproved(row.id, missing, approved);
}

export function hostNotApproved(credentialId: string, missing: string[], approved: string[]) {
  const list = missing.join(", ");
  return new ApiError(
    403,
    "host_not_approved",
    `Credential ${credentialId} is not approved for ${list}, so its secrets are not sent there. ` +
      `Approve by re-supplying every secret field with approvedHosts (PUT /api/credentials/${credentialId}) ` +
      `or as an admin (POST /api/credentials/${credentialId}/approved-hosts)`,
    { credentialId, hosts: missing, approvedHosts: approved },
  );
}

/** Validates and canonicalises hosts given for approval. */
export function hostsForApproval(hosts: readonly string[], where: string): string[] {
  const errors = hosts.flatMap((h, i) =>
    canonical(h) === null ? [{ path: `${where}.${i}`, message: "must be a host name or IP address (or *.suffix)" }] : [],
  );
  if (errors.length) throw new ApiError(400, "validation_failed", "Approved hosts must be host names or IP addresses", { errors });
  return canonicalHosts(hosts);
}

export function capApproved(hosts: string[], credentialId: string): string[] {
  if (hosts.length > MAX_APPROVED_HOSTS) {
    throw new ApiError(409, "too_many_approved_hosts", `Credential ${credentialId} would have more than ${MAX_APPROVED_HOSTS} approved hosts`);
  }
  return hosts;
}
