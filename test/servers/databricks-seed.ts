import pg from "pg";
import type { PgParams } from "./pg-params";
export { pgParams, type PgParams } from "./pg-params";

// Seeds the PostgreSQL databases the Databricks contract server exposes as Unity Catalog catalogs.
// A database is a catalog when its comment starts with "uc:" (the rest is the catalog comment), so
// the server never exposes databases other test servers create. Schemas are the databases' schemas.
export const CATALOGS: Array<{ name: string; comment: string }> = [
  { name: "main", comment: "Main catalog" },
  { name: "analytics", comment: "" },
  { name: "wide", comment: "A catalog with many schemas" },
];
export const WIDE_SCHEMA_COUNT = 55; // plus "default"


// Prefers the superuser address: the server creates a database per catalog.

const MAIN_SQL = `
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA IF NOT EXISTS "default";
CREATE SCHEMA IF NOT EXISTS sales;
SET search_path TO "default";
COMMENT ON SCHEMA sales IS 'Sales data';
CREATE DOMAIN dbx_tinyint AS smallint;
CREATE DOMAIN dbx_variant AS jsonb;
CREATE DOMAIN dbx_map_string_bigint AS jsonb;
CREATE TYPE sales.address AS (street text, zip integer);
CREATE TABLE sales.orders (
  order_id bigint PRIMARY KEY,
  customer text NOT NULL,
  amount numeric(10,2),
  status text,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE sales.orders IS 'One row per order';
COMMENT ON COLUMN sales.orders.status IS 'order status';
INSERT INTO sales.orders
  SELECT g, 'customer-' || g, (g * 10.25)::numeric(10,2), CASE WHEN g % 2 = 0 THEN 'shipped' ELSE 'open' END,
         timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
  FROM generate_series(1, 25) g;
CREATE VIEW sales.open_orders AS SELECT order_id, customer FROM sales.orders WHERE status = 'open';
CREATE TABLE sales.numbers (n integer NOT NULL);
INSERT INTO sales.numbers SELECT generate_series(1, 500);
CREATE TABLE sales.all_types (
  id integer NOT NULL,
  c_tinyint dbx_tinyint,
  c_smallint smallint,
  c_int integer,
  c_bigint bigint,
  c_decimal numeric(38,9),
  c_float real,
  c_double double precision,
  c_boolean boolean,
  c_string text,
  c_char character(3),
  c_date date,
  c_timestamp timestamptz,
  c_timestamp_ntz timestamp,
  c_binary bytea,
  c_interval interval,
  c_array integer[],
  c_struct sales.address,
  c_map dbx_map_string_bigint,
  c_variant dbx_variant
);
INSERT INTO sales.all_types VALUES
  (1, 7, -12, 2147483647, 9223372036854775807, 12345678901234567890.123456789, 1.5, 3.141592653589793, true,
   'héllo "quoted"', 'abc', date '2024-02-29', timestamptz '2024-03-01 12:34:56.789+00',
   timestamp '2024-03-01 12:34:56.789', '\\x0001fffe'::bytea, interval '1 day 2 hours', ARRAY[1,2,3],
   ROW('1 Main St', 12345)::sales.address, '{"a": 1, "b": 9007199254740993}', '{"k": [1, "two", null]}'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE "default".empty_table (id integer);
CREATE TABLE "default"."odd name" ("weird ""col""" text);
INSERT INTO "default"."odd name" VALUES ('x');
`;

const ANALYTICS_SQL = `
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA IF NOT EXISTS "default";
CREATE SCHEMA IF NOT EXISTS reports;
CREATE TABLE reports.daily (day date PRIMARY KEY, visits bigint NOT NULL);
INSERT INTO reports.daily SELECT date '2024-01-01' + g, g * 100 FROM generate_series(0, 9) g;
CREATE MATERIALIZED VIEW reports.daily_mv AS SELECT * FROM reports.daily;
`;

function wideSql(): string {
  const lines = [`DROP SCHEMA IF EXISTS public CASCADE;`, `CREATE SCHEMA IF NOT EXISTS "default";`];
  for (let i = 1; i <= WIDE_SCHEMA_COUNT; i++) lines.push(`CREATE SCHEMA s${String(i).padStart(2, "0")};`);
  return lines.join("\n");
}

const SEED: Record<string, string> = { main: MAIN_SQL, analytics: ANALYTICS_SQL, wide: wideSql() };

// Creates (once) each catalog database with its schemas and data.
export async function seed(params: PgParams): Promise<void> {
  const admin = new pg.Client(params);
  await admin.connect();
  try {
    for (const cat of CATALOGS) {
      // The comment is written last: a database without it is a half-seeded leftover.
      const exists = await admin.query(
        "SELECT shobj_description(oid, 'pg_database') LIKE 'uc:%' AS done FROM pg_database WHERE datname = $1",
        [cat.name],
      );
      if (exists.rows[0]?.done) continue;
      await admin.query(`DROP DATABASE IF EXISTS "${cat.name}"`);
      await admin.query(`CREATE DATABASE "${cat.name}"`);
      // Only the contract server (superuser) connects: other suites listing databases do not see these.
      await admin.query(`REVOKE CONNECT ON DATABASE "${cat.name}" FROM PUBLIC`);
      const db = new pg.Client({ ...params, database: cat.name });
      await db.connect();
      try {
        await db.query(SEED[cat.name]!);
      } finally {
        await db.end();
      }
      await admin.query(`COMMENT ON DATABASE "${cat.name}" IS 'uc:${cat.comment.replace(/'/g, "''")}'`);
    }
  } finally {
    await admin.end();
  }
}
