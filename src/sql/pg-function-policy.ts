import { ConnectorError } from "../connectors/errors";

// What a user statement may call in PostgreSQL, decided by the server's own catalog.
//
// The tokenizer (readonly.ts, `postgresCallables`) lists every name the statement could use to call a
// function: every identifier in any position (a call `f(...)`, field notation `row.f`, a type in a cast
// whose input/output or cast function runs) and every operator spelling. This file turns those names
// into a preflight statement that the transport runs inside the same read-only transaction, in the same
// batch or frame, just before the statement. The preflight looks the names up in pg_catalog and, if one
// is refused, raises an error naming it and the reason; the server then skips the statement. No extra
// round trip, and the decision is the server's view of what each function *is*, however it was spelled.
//
// A name is judged by every function it can reach, in any schema and with any argument types (no
// overload resolution: one bad overload refuses the name). A function is refused when:
//  - "sql": it runs SQL given to it as text, whatever its volatility. Recognised by what it is: a
//    built-in whose C entry point (prosrc) is one of those that run a query text or build and run
//    queries (the *_to_xml family, ts_stat, ts_rewrite(tsquery, text)); a function of the dblink
//    library (probin), which runs SQL in a second session outside our transaction; or any function
//    with an input argument of type text named sql, query, *_sql or *_query (extensions such as
//    pgRouting take their SQL that way).
//  - "user": it was created in this database (oid >= 16384, FirstNormalObjectId) and is not part of an
//    installed extension: its volatility is its author's claim and its body can call anything.
//  - "volatile": it is marked volatile (provolatile = 'v': it may change data or state), unless it is a
//    built-in on ALLOWED_VOLATILE.
// Aggregates are judged with their support functions, operators by their implementing function
// (oprcode), types by their input/output/modifier functions and every cast function to or from them.

/**
 * Volatile built-ins that change nothing but are volatile because their answer changes:
 * randomness, clocks, waiting and on-disk sizes. Matched only for built-ins (oid < 16384).
 */
export const ALLOWED_VOLATILE: Record<string, string> = {
  random: "random numbers",
  random_normal: "random numbers",
  array_shuffle: "random order of an array",
  array_sample: "random sample of an array",
  gen_random_uuid: "random UUID",
  uuidv4: "random UUID",
  uuidv7: "time-ordered random UUID",
  clock_timestamp: "the current time",
  timeofday: "the current time as text",
  pg_sleep: "waits; bounded by the statement timeout",
  pg_sleep_for: "waits; bounded by the statement timeout",
  pg_sleep_until: "waits; bounded by the statement timeout",
  bernoulli: "TABLESAMPLE method (random rows)",
  system: "TABLESAMPLE method (random pages)",
  pg_relation_size: "reads a relation's size on disk",
  pg_table_size: "reads a table's size on disk",
  pg_indexes_size: "reads the size of a table's indexes on disk",
  pg_total_relation_size: "reads a relation's total size on disk",
  pg_database_size: "reads a database's size on disk",
};

/** C entry points of built-ins that run a query given as text, or build and run queries themselves. */
const SQL_RUNNING_ENTRY_POINTS = [
  "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
  "cursor_to_xml", "cursor_to_xmlschema",
  "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
  "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
  "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
  "ts_stat1", "ts_stat2", "tsquery_rewrite_query",
];

// Marks our error among the statement's own, with a nonce per check ($3) so that a statement cannot
// forge a refusal. Raised by casting the verdict to int4: every PostgreSQL version reports the text
// back in full ("invalid input syntax for type integer: "..."").
const MARKER = "connections-api refused ";
const sqlString = (s: string) => "'" + s.replaceAll("'", "''") + "'";
const sqlList = (items: string[]) => items.map(sqlString).join(", ");

// Everything qualified with pg_catalog: the role's search_path must not change what the check reads.
const PREFLIGHT_SQL = `WITH names AS (SELECT pg_catalog.unnest($1::pg_catalog.name[]) AS name),
ops AS (SELECT pg_catalog.unnest($2::pg_catalog.name[]) AS name),
uses(kind, name, fn) AS (
  SELECT 'function', p.proname::text, p.oid FROM pg_catalog.pg_proc p WHERE p.proname IN (SELECT name FROM names)
  UNION ALL
  SELECT 'function', p.proname::text, s.fn FROM pg_catalog.pg_aggregate a
    JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
    CROSS JOIN LATERAL (VALUES (a.aggtransfn::oid), (a.aggfinalfn::oid), (a.aggcombinefn::oid), (a.aggserialfn::oid),
      (a.aggdeserialfn::oid), (a.aggmtransfn::oid), (a.aggminvtransfn::oid), (a.aggmfinalfn::oid)) AS s(fn)
    WHERE p.proname IN (SELECT name FROM names) AND s.fn <> 0
  UNION ALL
  SELECT 'operator', o.oprname::text, o.oprcode::oid FROM pg_catalog.pg_operator o
    WHERE o.oprname IN (SELECT name FROM ops) AND o.oprcode <> 0
  UNION ALL
  SELECT 'type', t.typname::text, s.fn FROM pg_catalog.pg_type t
    CROSS JOIN LATERAL (VALUES (t.typinput::oid), (t.typoutput::oid), (t.typreceive::oid), (t.typsend::oid),
      (t.typmodin::oid), (t.typmodout::oid)) AS s(fn)
    WHERE t.typname IN (SELECT name FROM names) AND s.fn <> 0
  UNION ALL
  SELECT 'type', t.typname::text, c.castfunc FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_cast c ON t.oid IN (c.castsource, c.casttarget)
    WHERE t.typname IN (SELECT name FROM names) AND c.castfunc <> 0
),
judged AS (
  SELECT u.kind, u.name, f.proname::text AS fn,
    CASE
      WHEN (l.lanname = 'internal' AND f.prosrc IN (${sqlList(SQL_RUNNING_ENTRY_POINTS)}))
        OR (l.lanname = 'c' AND f.probin ~ '(^|/)dblink(\\.[A-Za-z]+)?$')
        OR EXISTS (
          SELECT 1 FROM ROWS FROM (pg_catalog.unnest(COALESCE(f.proallargtypes, f.proargtypes::oid[])),
            pg_catalog.unnest(f.proargnames), pg_catalog.unnest(f.proargmodes)) AS a(type, name, mode)
          WHERE a.type = 'pg_catalog.text'::pg_catalog.regtype AND (a.mode IS NULL OR a.mode IN ('i', 'b'))
            AND a.name ~* '^(.*_)?(sql|query)$')
        THEN 'sql'
      WHEN f.oid >= 16384 AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = f.oid AND d.deptype = 'e')
        THEN 'user'
      WHEN f.provolatile = 'v' AND NOT (f.oid < 16384 AND f.proname::text IN (${sqlList(Object.keys(ALLOWED_VOLATILE))}))
        THEN 'volatile'
    END AS reason
  FROM uses u
  JOIN pg_catalog.pg_proc f ON f.oid = u.fn
  JOIN pg_catalog.pg_language l ON l.oid = f.prolang
)
SELECT pg_catalog.count(*) AS refused FROM (
  SELECT * FROM judged WHERE reason IS NOT NULL
  ORDER BY CASE reason WHEN 'sql' THEN 0 WHEN 'user' THEN 1 ELSE 2 END, kind, name, fn LIMIT 1
) AS r
WHERE CAST(${sqlString(MARKER)} || $3::pg_catalog.text || ': ' || pg_catalog.json_build_object('kind', r.kind, 'name', r.name, 'function', r.fn, 'reason', r.reason)::text
  AS pg_catalog.int4) IS NULL`.replace(/\n\s*/g, " "); // one line: it travels with every test query

/** A Postgres array literal of text elements (sent as one text parameter, cast by the preflight). */
function arrayLiteral(items: string[]): string {
  return "{" + items.map((s) => '"' + s.replace(/["\\]/g, (c) => "\\" + c) + '"').join(",") + "}";
}

export type Callables = { names: string[]; operators: string[] };

/** The preflight statement for a statement's callables (see readonly.ts `postgresCallables`). */
export function functionPreflight(callables: Callables): { sql: string; params: unknown[] } {
  const nonce = crypto.randomUUID();
  return { sql: PREFLIGHT_SQL, params: [arrayLiteral(callables.names), arrayLiteral(callables.operators), nonce] };
}

const REASONS: Record<string, string> = {
  sql: "it runs SQL given to it as text, outside the checks on this statement",
  user: "it is defined in this database (not built in and not from an extension), so what it runs cannot be judged",
  volatile: "it is volatile (it can change data or state) and is not on the allow-list of harmless volatile built-ins",
};

/**
 * Turns the error of `preflight` into the refusal it stands for (422 invalid_request naming the
 * function and why), or returns null for any other error.
 */
export function preflightRefusal(err: unknown, preflight: { params: unknown[] }): ConnectorError | null {
  if (!(err instanceof ConnectorError) || err.detail.engineCode !== "22P02") return null;
  const tag = `${MARKER}${String(preflight.params[2])}: `;
  const at = err.message.indexOf(tag);
  const close = err.message.lastIndexOf("}");
  if (at < 0 || close < at) return null;
  let v: { kind?: unknown; name?: unknown; function?: unknown; reason?: unknown };
  try {
    v = JSON.parse(err.message.slice(at + tag.length, close + 1));
  } catch {
    return null;
  }
  const reason = REASONS[String(v.reason)];
  if (!reason || typeof v.name !== "string" || typeof v.function !== "string") return null;
  const what =
    v.kind === "operator"
      ? `The operator ${v.name} (function ${v.function})`
      : v.kind === "type"
        ? `The type ${v.name} (through its function ${v.function})`
        : v.name === v.function
          ? `The function ${v.name}`
          : `The function ${v.name} (through its support function ${v.function})`;
  return new ConnectorError("invalid_request", `${what} is not allowed in a read-only query: ${reason}`);
}
