import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;

// A drizzle handle over a D1 session, so reads can be served by the nearest replica while a
// client's bookmark still guarantees it reads its own writes.
export function openDb(session: D1DatabaseSession | D1Database): Db {
  return drizzle(session as D1Database, { schema });
}
