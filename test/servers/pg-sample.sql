-- Sample database for the Postgres connector tests (run as app_owner on database "sample").
-- Many schemas, hundreds of tables, awkward names, every common type, views, comments.

CREATE SCHEMA sales;
CREATE SCHEMA many;
CREATE SCHEMA wide;
CREATE SCHEMA types;
CREATE SCHEMA restricted;
CREATE SCHEMA empty_schema;
CREATE SCHEMA "Mixed Case";
CREATE SCHEMA "we""ird";
CREATE SCHEMA "ünïcödé";
CREATE SCHEMA "with space";
DO $$ BEGIN
  FOR i IN 1..12 LOOP EXECUTE format('CREATE SCHEMA %I', 'extra_' || lpad(i::text, 2, '0')); END LOOP;
END $$;
COMMENT ON SCHEMA sales IS 'Sales data';

-- The attack target: a table, a sequence.
CREATE TABLE public.t (id int PRIMARY KEY, v text);
INSERT INTO public.t VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE SEQUENCE public.s START 42;

-- Sales: a small relational model with comments, views and a materialized view.
CREATE TABLE sales.customers (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email varchar(200),
  created_at timestamptz NOT NULL DEFAULT '2024-01-01T00:00:00Z'
);
COMMENT ON TABLE sales.customers IS 'People who buy things';
COMMENT ON COLUMN sales.customers.email IS 'Primary e-mail address';
CREATE TABLE sales.orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES sales.customers(id),
  amount numeric(12,2) NOT NULL,
  ordered_on date NOT NULL
);
INSERT INTO sales.customers (id, name, email) SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 250) g;
INSERT INTO sales.orders SELECT g, 1 + (g % 250), (g * 1.25)::numeric(12,2), DATE '2024-01-01' + (g % 365) FROM generate_series(1, 1000) g;
CREATE VIEW sales.order_totals AS SELECT customer_id, sum(amount) AS total FROM sales.orders GROUP BY customer_id;
COMMENT ON VIEW sales.order_totals IS 'Total per customer';
CREATE MATERIALIZED VIEW sales.daily AS SELECT ordered_on, count(*) AS n FROM sales.orders GROUP BY ordered_on;

-- 300 generated tables in one schema (for pagination).
DO $$ BEGIN
  FOR i IN 1..300 LOOP
    EXECUTE format('CREATE TABLE many.%I (id int, label text)', 'table_' || lpad(i::text, 3, '0'));
  END LOOP;
END $$;

-- A table with 1500 columns (for column pagination).
DO $$ DECLARE cols text; BEGIN
  SELECT string_agg(format('%I int', 'c' || lpad(i::text, 4, '0')), ', ' ORDER BY i) INTO cols FROM generate_series(1, 1500) i;
  EXECUTE 'CREATE TABLE wide.wide (' || cols || ')';
  EXECUTE 'INSERT INTO wide.wide (c0001, c1500) VALUES (1, 1500)';
END $$;

-- Awkward names.
CREATE TABLE "Mixed Case"."Mixed Table" ("Id" int, "Some Column" text);
INSERT INTO "Mixed Case"."Mixed Table" VALUES (1, 'mixed');
CREATE TABLE "we""ird"."ta""ble" ("co""l" int);
INSERT INTO "we""ird"."ta""ble" VALUES (7);
CREATE TABLE "ünïcödé"."tåblé" ("çolumn" text);
INSERT INTO "ünïcödé"."tåblé" VALUES ('ü');
CREATE TABLE "with space"."a table; DROP TABLE t" ("a column" int);
INSERT INTO "with space"."a table; DROP TABLE t" VALUES (5);
CREATE TABLE public."UPPER" (x int);
CREATE TABLE public.upper (y int);

-- Every common type.
CREATE TYPE types.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN types.posint AS integer CHECK (VALUE > 0);
CREATE TYPE types.pair AS (a int, b text);
CREATE TABLE types.all_types (
  id serial PRIMARY KEY,
  c_int2 int2, c_int4 int4, c_int8 int8,
  c_numeric numeric(20,5), c_float4 float4, c_float8 float8,
  c_bool bool, c_text text, c_varchar varchar(10), c_char char(3),
  c_date date, c_time time, c_timetz timetz, c_timestamp timestamp, c_timestamptz timestamptz,
  c_interval interval, c_json json, c_jsonb jsonb, c_uuid uuid, c_bytea bytea,
  c_int_array int4[], c_text_array text[], c_int2d int4[][],
  c_enum types.mood, c_enum_array types.mood[], c_domain types.posint,
  c_inet inet, c_money money, c_pair types.pair
);
COMMENT ON TABLE types.all_types IS 'One column per type';
COMMENT ON COLUMN types.all_types.c_jsonb IS 'JSON document';
INSERT INTO types.all_types (
  c_int2, c_int4, c_int8, c_numeric, c_float4, c_float8, c_bool, c_text, c_varchar, c_char,
  c_date, c_time, c_timetz, c_timestamp, c_timestamptz, c_interval, c_json, c_jsonb, c_uuid, c_bytea,
  c_int_array, c_text_array, c_int2d, c_enum, c_enum_array, c_domain, c_inet, c_money, c_pair
) VALUES (
  -32768, 2147483647, 9223372036854775807, 12345678901234.56789, 1.5, 3.141592653589793, true,
  'hello "world"', 'short', 'ab', '2024-02-29', '13:45:30.123456', '13:45:30+02', '2024-02-29 13:45:30.5',
  '2024-02-29 13:45:30.5+02', '1 year 2 mons 3 days 04:05:06', '{"a": [1, 2, {"b": null}]}', '{"k": "v", "n": 1.5}',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x0001ff', '{1,2,NULL,4}', '{"a","b c","d,e",NULL,"NULL","q\"t"}',
  '{{1,2},{3,4}}', 'happy', '{sad,ok}', 5, '192.168.0.1/24', 12.34, ROW(1, 'x')
), (
  NULL, NULL, NULL, 'NaN', 'Infinity', '-Infinity', false, NULL, NULL, NULL,
  'infinity', NULL, NULL, NULL, NULL, NULL, 'null', '[]', NULL, '\x', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL
);

-- A schema app_reader can read and outsider cannot use.
CREATE TABLE restricted.secret_stuff (id int);
REVOKE ALL ON SCHEMA restricted FROM PUBLIC;

GRANT USAGE ON SCHEMA sales, many, wide, types, "Mixed Case", "we""ird", "ünïcödé", "with space", restricted TO app_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public, sales, many, wide, types, "Mixed Case", "we""ird", "ünïcödé", "with space", restricted TO app_reader;
