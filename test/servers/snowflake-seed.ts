import pg from "pg";
import type { PgParams } from "./pg-params";
export { pgParams, type PgParams } from "./pg-params";

// Seeds the PostgreSQL databases the Snowflake contract server exposes as Snowflake databases. Names
// are uppercase and quoted (Snowflake's unquoted identifiers resolve to uppercase). Each database gets
// an "INFORMATION_SCHEMA" schema of views with Snowflake's column names and data type spellings, and
// Snowflake-only types as domains (VARIANT, OBJECT, ARRAY over jsonb; TIMESTAMP_TZ over text that keeps
// the offset). Statements run as the PostgreSQL role sf_reader, which cannot read HR.SALARIES.


export const SF_DATABASES = [
  { name: "SFDEMO", comment: "Demo database" },
  { name: "SFEMPTY", comment: "" },
  { name: "SFOTHER", comment: "Another database" },
];
export const READER_ROLE = "sf_reader";
export const BIG_ROWS = 2500;


const INFO_SCHEMA = `
CREATE SCHEMA sf;
CREATE DOMAIN sf."VARIANT" AS jsonb;
CREATE DOMAIN sf."OBJECT" AS jsonb CHECK (VALUE IS NULL OR jsonb_typeof(VALUE) = 'object');
CREATE DOMAIN sf."ARRAY" AS jsonb CHECK (VALUE IS NULL OR jsonb_typeof(VALUE) = 'array');
CREATE DOMAIN sf."TIMESTAMP_TZ" AS text CHECK (VALUE IS NULL OR VALUE ~ '^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)?[+-]\\d\\d:\\d\\d$');
GRANT USAGE ON SCHEMA sf TO ${READER_ROLE};

CREATE FUNCTION sf.data_type(t pg_type) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN t.typname IN ('VARIANT','OBJECT','ARRAY','TIMESTAMP_TZ') THEN t.typname::text
    WHEN t.typname IN ('int2','int4','int8','numeric') THEN 'NUMBER'
    WHEN t.typname IN ('float4','float8') THEN 'FLOAT'
    WHEN t.typname IN ('text','varchar','bpchar','name') THEN 'TEXT'
    WHEN t.typname = 'bool' THEN 'BOOLEAN'
    WHEN t.typname = 'date' THEN 'DATE'
    WHEN t.typname = 'time' THEN 'TIME'
    WHEN t.typname = 'timestamp' THEN 'TIMESTAMP_NTZ'
    WHEN t.typname = 'timestamptz' THEN 'TIMESTAMP_LTZ'
    WHEN t.typname = 'bytea' THEN 'BINARY'
    WHEN t.typname IN ('json','jsonb') THEN 'VARIANT'
    ELSE upper(t.typname::text) END
$$;

CREATE SCHEMA "INFORMATION_SCHEMA";
CREATE VIEW "INFORMATION_SCHEMA"."SCHEMATA" AS
  SELECT current_database()::text AS "CATALOG_NAME", n.nspname::text AS "SCHEMA_NAME", 'SYSADMIN'::text AS "SCHEMA_OWNER",
         obj_description(n.oid, 'pg_namespace') AS "COMMENT"
  FROM pg_namespace n WHERE n.nspname = upper(n.nspname) AND n.nspname NOT LIKE 'PG\\_%';
CREATE VIEW "INFORMATION_SCHEMA"."TABLES" AS
  SELECT current_database()::text AS "TABLE_CATALOG", n.nspname::text AS "TABLE_SCHEMA", c.relname::text AS "TABLE_NAME",
         CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'EXTERNAL TABLE' ELSE 'BASE TABLE' END AS "TABLE_TYPE",
         obj_description(c.oid, 'pg_class') AS "COMMENT"
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','v','m','f') AND n.nspname = upper(n.nspname) AND n.nspname NOT LIKE 'PG\\_%';
CREATE VIEW "INFORMATION_SCHEMA"."COLUMNS" AS
  SELECT current_database()::text AS "TABLE_CATALOG", n.nspname::text AS "TABLE_SCHEMA", c.relname::text AS "TABLE_NAME",
         a.attname::text AS "COLUMN_NAME", a.attnum::int AS "ORDINAL_POSITION",
         CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS "IS_NULLABLE",
         sf.data_type(t) AS "DATA_TYPE",
         CASE WHEN t.typname IN ('int2','int4','int8') THEN 38
              WHEN t.typname = 'numeric' AND a.atttypmod > 0 THEN ((a.atttypmod - 4) >> 16) & 65535
              WHEN t.typname = 'numeric' THEN 38 END AS "NUMERIC_PRECISION",
         CASE WHEN t.typname IN ('int2','int4','int8') THEN 0
              WHEN t.typname = 'numeric' AND a.atttypmod > 0 THEN (a.atttypmod - 4) & 65535
              WHEN t.typname = 'numeric' THEN 0 END AS "NUMERIC_SCALE",
         CASE WHEN t.typname IN ('varchar','bpchar') AND a.atttypmod > 0 THEN a.atttypmod - 4
              WHEN t.typname IN ('text','name') THEN 16777216 END AS "CHARACTER_MAXIMUM_LENGTH",
         CASE WHEN t.typname IN ('time','timestamp','timestamptz','TIMESTAMP_TZ') THEN 9 END AS "DATETIME_PRECISION",
         col_description(c.oid, a.attnum) AS "COMMENT"
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f')
    AND n.nspname = upper(n.nspname) AND n.nspname NOT LIKE 'PG\\_%';
GRANT USAGE ON SCHEMA "INFORMATION_SCHEMA" TO ${READER_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA "INFORMATION_SCHEMA" TO ${READER_ROLE};
DROP SCHEMA public CASCADE;
`;

const DEMO = `
CREATE SCHEMA "SALES"; COMMENT ON SCHEMA "SALES" IS 'Sales data';
CREATE TABLE "SALES"."CUSTOMERS" ("ID" numeric(38,0) NOT NULL PRIMARY KEY, "NAME" varchar(100) NOT NULL, "COUNTRY" text);
COMMENT ON TABLE "SALES"."CUSTOMERS" IS 'Customers';
INSERT INTO "SALES"."CUSTOMERS" VALUES (1, 'Ada', 'GB'), (2, 'Grace', 'US'), (3, 'Linus', NULL);
CREATE TABLE "SALES"."ORDERS" ("ID" numeric(38,0) NOT NULL, "CUSTOMER_ID" numeric(38,0), "AMOUNT" numeric(10,2), "PLACED_AT" timestamp);
COMMENT ON COLUMN "SALES"."ORDERS"."AMOUNT" IS 'Order total';
INSERT INTO "SALES"."ORDERS" VALUES (1, 1, 12.50, '2024-03-01 10:00:00'), (2, 2, 99.99, '2024-03-02 11:30:00.5'), (3, 1, 0.01, '2024-03-03 00:00:00');
CREATE VIEW "SALES"."BIG_ORDERS" AS SELECT * FROM "SALES"."ORDERS" WHERE "AMOUNT" > 50;
CREATE SCHEMA "HR";
CREATE TABLE "HR"."EMPLOYEES" ("ID" numeric(38,0), "NAME" text);
CREATE TABLE "HR"."SALARIES" ("ID" numeric(38,0), "SALARY" numeric(12,2));
INSERT INTO "HR"."SALARIES" VALUES (1, 100000);
CREATE SCHEMA "TYPES";
CREATE TABLE "TYPES"."ALL_TYPES" (
  "N_INT" numeric(38,0), "N_SMALL" numeric(9,0), "N_DEC" numeric(10,2), "N_BIG" numeric(38,0), "F" float8, "S" varchar(20),
  "B" boolean, "D" date, "T" time(6), "TS_NTZ" timestamp(6), "TS_LTZ" timestamptz(6), "TS_TZ" sf."TIMESTAMP_TZ",
  "V" sf."VARIANT", "O" sf."OBJECT", "A" sf."ARRAY", "BIN" bytea);
INSERT INTO "TYPES"."ALL_TYPES" VALUES
  (42, 7, -12.34, 12345678901234567890123456789, 1.5, 'héllo "q"', true, '2024-02-29', '13:45:30.123456',
   '2024-02-29 13:45:30.123456', '2024-02-29 13:45:30.5+00', '2024-02-29 13:45:30.25+05:30',
   '{"k": [1, 2, {"x": null}]}', '{"a": 1}', '[1, "two", true]', '\\x00ff10'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (-1, -9, 0.50, -1, -0.25, '', false, '1969-12-31', '00:00:00', '1969-12-31 23:59:59.5', '1970-01-01 00:00:00+00',
   '1970-01-01 00:00:00-08:00', '"just a string"', '{}', '[]', '\\x');
CREATE SCHEMA "BIG";
CREATE TABLE "BIG"."NUMBERS" ("N" numeric(38,0) NOT NULL, "LABEL" text);
INSERT INTO "BIG"."NUMBERS" SELECT g, 'row ' || g FROM generate_series(1, ${BIG_ROWS}) g;
CREATE SCHEMA "WIDE";
CREATE TABLE "WIDE"."COLS" (${Array.from({ length: 12 }, (_, i) => `"C${String(i + 1).padStart(2, "0")}" text`).join(", ")});
${Array.from({ length: 7 }, (_, i) => `CREATE TABLE "WIDE"."T${i + 1}" ("X" int);`).join("\n")}
GRANT USAGE ON SCHEMA "SALES", "HR", "TYPES", "BIG", "WIDE" TO ${READER_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA "SALES", "TYPES", "BIG", "WIDE" TO ${READER_ROLE};
GRANT SELECT ON "HR"."EMPLOYEES" TO ${READER_ROLE};
`;

const OTHER = `
CREATE SCHEMA "PUBLIC";
CREATE TABLE "PUBLIC"."T" ("X" numeric(38,0));
INSERT INTO "PUBLIC"."T" VALUES (1);
GRANT USAGE ON SCHEMA "PUBLIC" TO ${READER_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA "PUBLIC" TO ${READER_ROLE};
`;

const EMPTY = `CREATE SCHEMA "PUBLIC"; GRANT USAGE ON SCHEMA "PUBLIC" TO ${READER_ROLE};`;

export async function seed(params: PgParams): Promise<void> {
  const admin = new pg.Client({ ...params, database: "postgres" });
  await admin.connect();
  try {
    const role = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [READER_ROLE]);
    if (role.rowCount === 0) await admin.query(`CREATE ROLE ${READER_ROLE} NOLOGIN`);
    for (const db of SF_DATABASES) {
      await admin.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${db.name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
      // Only the contract server (superuser) connects: other suites listing the cluster's databases never see these.
      await admin.query(`REVOKE CONNECT ON DATABASE "${db.name}" FROM PUBLIC`);
    }
  } finally {
    await admin.end();
  }
  const bodies: Record<string, string> = { SFDEMO: DEMO, SFOTHER: OTHER, SFEMPTY: EMPTY };
  for (const db of SF_DATABASES) {
    const c = new pg.Client({ ...params, database: db.name });
    await c.connect();
    try {
      await c.query(INFO_SCHEMA + (bodies[db.name] ?? ""));
    } finally {
      await c.end();
    }
  }
}
