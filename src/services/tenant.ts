import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { bindStatement, queryBuilder, rowDecoder, statement } from "../db/prepared";
import { apiKeys, workspaces } from "../db/schema";
import { constantTimeEqual, sha256Hex } from "../lib/encoding";
import { unauthorized } from "../lib/errors";
import type { Scope } from "../lib/api-keys";

// Request-scoped access to one workspace's data. An API key's check rides in the same D1 batch as
// the request's first read, so an authenticated metadata read costs one round trip; results are
// only released once the key is proven valid. Writes always prove the key first.
type PendingCheck = { keyId: string; hash: Promise<string> };

// subject: the JWT's sub claim, when it has one.
export type Principal = { workspaceId: string; scope: Scope; via: "api_key" | "jwt"; keyId?: string; subject?: string };

// The key check as a prepared statement, for readStatements.
const KEY_CHECK = statement<"keyId">(queryBuilder.select().from(apiKeys).where(eq(apiKeys.id, sql.placeholder("keyId"))));
const decodeKey = rowDecoder(apiKeys);

const invalidKey = () => unauthorized("The API key is invalid, revoked or expired", "invalid_api_key");

export class Tenant {
  private pending: PendingCheck | null;
  private workspaceEnsured = false;

  constructor(
    readonly db: Db,
    readonly principal: Principal,
    pending: { keyId: string; token: string } | null,
  ) {
    // The token's hash is computed while the first query is in flight.
    this.pending = pending && { keyId: pending.keyId, hash: sha256Hex(pending.token) };
  }

  get workspaceId() {
    return this.principal.workspaceId;
  }

  get isVerified() {
    return this.pending === null;
  }

  private checkQuery(keyId: string) {
    return this.db
      .select({
        workspaceId: apiKeys.workspaceId,
        hash: apiKeys.hash,
        scope: apiKeys.scope,
        expiresAt: apiKeys.expiresAt,
        revokedAt: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.id, keyId));
  }

  private async settle(pending: PendingCheck, rows: Array<{ workspaceId: string; hash: string; scope: string; expiresAt: number | null; revokedAt: number | null }>) {
    const row = rows[0];
    const hash = await pending.hash;
    const ok =
      !!row &&
      constantTimeEqual(row.hash, hash) &&
      row.workspaceId === this.principal.workspaceId &&
      row.scope === this.principal.scope &&
      row.revokedAt === null &&
      (row.expiresAt === null || row.expiresAt > Date.now());
    if (!ok) throw invalidKey();
    this.pending = null;
  }

  // Reads, batched with the pending key check when there is one.
  async read<T extends readonly [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]>(...queries: T) {
    const pending = this.pending;
    if (pending) {
      const results = (await this.db.batch([this.checkQuery(pending.keyId), ...queries] as never)) as unknown[];
      const [check, ...rest] = results;
      await this.settle(pending, check as never);
      return rest as unknown as { [K in keyof T]: Awaited<T[K]> };
    }
    if (queries.length === 1) return [await queries[0]] as unknown as { [K in keyof T]: Awaited<T[K]> };
    return (await this.db.batch(queries as never)) as unknown as { [K in keyof T]: Awaited<T[K]> };
  }

  // The same for prepared D1 statements (the hot reads, see db/prepared.ts): one result row list each.
  async readStatements<S extends [D1PreparedStatement, ...D1PreparedStatement[]]>(...statements: S): Promise<{ [K in keyof S]: Record<string, unknown>[] }> {
    return (await this.readAll(statements)) as { [K in keyof S]: Record<string, unknown>[] };
  }

  private async readAll(statements: D1PreparedStatement[]): Promise<Record<string, unknown>[][]> {
    const client = this.db.$client;
    const pending = this.pending;
    if (pending) {
      const [check, ...rest] = await client.batch<Record<string, unknown>>([bindStatement(client, KEY_CHECK, { keyId: pending.keyId }), ...statements]);
      await this.settle(pending, check!.results.map(decodeKey));
      return rest.map((r) => r.results);
    }
    if (statements.length === 1) return [(await statements[0]!.all<Record<string, unknown>>()).results];
    return (await client.batch<Record<string, unknown>>(statements)).map((r) => r.results);
  }

  async readOne<T extends BatchItem<"sqlite">>(query: T): Promise<Awaited<T>> {
    const [result] = await this.read(query);
    return result as Awaited<T>;
  }

  // Proves the caller before anything with side effects; JWT callers get their workspace row made.
  async verify(): Promise<void> {
    const pending = this.pending;
    if (pending) await this.settle(pending, await this.checkQuery(pending.keyId));
    if (this.principal.via === "jwt" && !this.workspaceEnsured) {
      await this.db
        .insert(workspaces)
        .values({ id: this.workspaceId, name: this.workspaceId, createdAt: Date.now() })
        .onConflictDoNothing();
      this.workspaceEnsured = true;
    }
  }
}
