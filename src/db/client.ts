import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

// $client: the D1 session itself, for the few hot reads that skip drizzle's query building (see prepared.ts).
export type Db = DrizzleD1Database & { $client: D1Database | D1DatabaseSession };

// A drizzle handle over a D1 session, so reads can be served by the nearest replica while a
// client's bookmark still guarantees it reads its own writes. No relational schema is passed: the
// services use the query builder only, and building the relational config costs CPU per request.
export function openDb(session: D1DatabaseSession | D1Database): Db {
  return drizzle(session as D1Database) as Db;
}
