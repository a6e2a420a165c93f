import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Times are epoch milliseconds; JSON columns hold non-secret data only.
export const workspaces = sqliteTable("workspaces", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    // SHA-256 of the whole token, hex; the token itself is shown once and never stored.
    hash: text("hash").notNull(),
    scope: text("scope", { enum: ["read", "write", "admin"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_keys_workspace_idx").on(t.workspaceId, t.createdAt)],
);

export const credentials = sqliteTable(
  "credentials",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    type: text("type").notNull(),
    method: text("method").notNull(),
    identity: text("identity", { mode: "json" }).notNull().$type<Record<string, string>>(),
    // { field: updatedAtMillis } for every secret field that is set.
    secretFields: text("secret_fields", { mode: "json" }).notNull().$type<Record<string, number>>(),
    // AES-256-GCM envelope: "<keyId>.<iv b64url>.<ciphertext b64url>".
    ciphertext: text("ciphertext").notNull(),
    keyId: text("key_id").notNull(),
    // Canonical host names the secrets may be sent to (services/credential-hosts.ts).
    approvedHosts: text("approved_hosts", { mode: "json" }).notNull().default(sql`'[]'`).$type<string[]>(),
    // Written once by migration 0001 for credentials made before approvals existed: the type and config
    // of every connection that used the credential then. Their hosts count as approved; cleared when
    // the approvals are next written.
    legacyUses: text("legacy_uses", { mode: "json" }).$type<Array<{ type: string; config: Record<string, unknown> }>>(),
    // Who last supplied every secret field ("key:<api key id>" or "jwt:<sub>"): that caller's first
    // use may bind a credential that has no approved hosts yet.
    secretsBy: text("secrets_by"),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("credentials_name_uq").on(t.workspaceId, t.nameKey),
    index("credentials_list_idx").on(t.workspaceId, t.id),
    index("credentials_key_idx").on(t.keyId),
  ],
);

export const connections = sqliteTable(
  "connections",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    type: text("type").notNull(),
    config: text("config", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    credentialId: text("credential_id").references(() => credentials.id),
    // Seconds introspection lists stay cached; null: the default (300), 0: never cached.
    cacheTtlSeconds: integer("cache_ttl_seconds"),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("connections_name_uq").on(t.workspaceId, t.nameKey),
    index("connections_list_idx").on(t.workspaceId, t.id),
    index("connections_type_idx").on(t.workspaceId, t.type, t.id),
    index("connections_credential_idx").on(t.credentialId),
  ],
);

export const pipelines = sqliteTable(
  "pipelines",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    sourceConnectionId: text("source_connection_id").references(() => connections.id),
    destinationConnectionId: text("destination_connection_id").references(() => connections.id),
    status: text("status", { enum: ["active", "paused"] }).notNull(),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("pipelines_list_idx").on(t.workspaceId, t.id),
    index("pipelines_source_idx").on(t.sourceConnectionId),
    index("pipelines_destination_idx").on(t.destinationConnectionId),
  ],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    workspaceId: text("workspace_id").notNull(),
    key: text("key").notNull(),
    // "<keyId>.<HMAC-SHA-256>" of method, path and body (key derived from ENCRYPTION_KEYS): the same
    // key with another request is refused.
    fingerprint: text("fingerprint").notNull(),
    status: integer("status"),
    body: text("body"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.key] }), index("idempotency_created_idx").on(t.createdAt)],
);

// Introspection lists (catalogs, schemas, tables, columns), one row per connection and page. A row
// is served only to its workspace and only while `fingerprint` (connection version, config,
// credential and its last change) still matches what the connection is now; expired rows are
// deleted as they are met and in small sweeps.
export const introspectionCache = sqliteTable(
  "introspection_cache",
  {
    workspaceId: text("workspace_id").notNull(),
    connectionId: text("connection_id").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    body: text("body").notNull(),
    etag: text("etag").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.connectionId, t.key] }), index("introspection_cache_expiry_idx").on(t.expiresAt)],
);
