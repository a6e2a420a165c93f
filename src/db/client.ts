import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

export type Db = DrizzleD1Database;

// A drizzle handle over a D1 session, so reads can be served by the nearest replica while a
// client's bookmark still guarantees it reads its own writes. No relational schema is passed: the
// services use the query builder only, and building the relational config costs CPU per request.
export function openDb(session: D1DatabaseSession | D1Database): Db {
  return drizzle(session as D1Database);
}
