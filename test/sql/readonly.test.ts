import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import { assertReadOnly, quoteIdent, quoteLiteral, type SqlDialect } from "../../src/sql/readonly";
import { lexVariants, tokenize } from "../../src/sql/tokenizer";

const DIALECTS: SqlDialect[] = ["postgres", "snowflake", "databricks"];

// Runs assertReadOnly and returns the ConnectorError it throws (fails the test if it does not).
function refusal(sql: string, dialect: SqlDialect): ConnectorError {
  let result: string | undefined;
  try {
    result = assertReadOnly(sql, dialect);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    const e = err as ConnectorError;
    expect(e.code).toBe("invalid_request");
    return e;
  }
  throw new Error(`expected ${dialect} to refuse ${JSON.stringify(sql)}, but it returned ${JSON.stringify(result)}`);
}

describe("assertReadOnly: the statements from the issue", () => {
  const refused: Array<[string, RegExp]> = [
    ["DELETE FROM t", /not a DELETE statement/],
    ["WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", /keyword DELETE/],
    ["SELECT 1; DELETE FROM t", /one statement/],
    ["COMMIT; DELETE FROM t", /one statement/],
    ["SELECT $$;$$; DELETE FROM t", /one statement/],
    ["SET TRANSACTION READ WRITE", /not a SET statement/],
    ["SELECT set_config('default_transaction_read_only','off',false)", /function set_config/],
    ["SELECT * INTO t2 FROM t", /keyword INTO/],
    ["SELECT nextval('s')", /function nextval/],
    ["DO $$BEGIN DELETE FROM t; END$$", /not a DO statement/],
    ["EXPLAIN ANALYZE DELETE FROM t", /EXPLAIN ANALYZE/],
  ];
  for (const [sql, message] of refused) {
    it(`postgres refuses ${JSON.stringify(sql)}`, () => {
      expect(refusal(sql, "postgres").message).toMatch(message);
    });
  }

  const allowed: Array<[string, string]> = [
    ["SELECT 'a;b' AS x", "SELECT 'a;b' AS x"],
    ["SELECT $$;$$ AS x", "SELECT $$;$$ AS x"],
    ['SELECT "delete" FROM t', 'SELECT "delete" FROM t'],
    ["with x as (select 1) select * from x;", "with x as (select 1) select * from x"],
    ["-- c\nSELECT 1 /* ; */", "SELECT 1"],
    ["SELECT pg_sleep(1)", "SELECT pg_sleep(1)"],
    ["SHOW TABLES", "SHOW TABLES"],
    ["(SELECT 1) UNION (SELECT 2)", "(SELECT 1) UNION (SELECT 2)"],
    ["VALUES (1)", "VALUES (1)"],
    ["EXPLAIN SELECT 1", "EXPLAIN SELECT 1"],
  ];
  for (const [sql, expected] of allowed) {
    it(`postgres allows ${JSON.stringify(sql)}`, () => {
      expect(assertReadOnly(sql, "postgres")).toBe(expected);
    });
  }
});

describe("assertReadOnly: statement boundaries", () => {
  it("refuses empty input and input made only of blanks, comments and semicolons", () => {
    for (const sql of ["", "   \n\t", ";", " ; ;; ", "-- only a comment", "/* c */ ; -- c"]) {
      for (const d of DIALECTS) expect(refusal(sql, d).message).toMatch(/empty/);
    }
  });

  it("trims surrounding blanks, comments and trailing semicolons, keeping inner comments", () => {
    expect(assertReadOnly("  SELECT 1 ;  ; -- bye\n", "postgres")).toBe("SELECT 1");
    expect(assertReadOnly("/* hi */ SELECT /* inner */ 1 -- tail", "postgres")).toBe("SELECT /* inner */ 1");
    expect(assertReadOnly(";; SELECT 1;", "snowflake")).toBe("SELECT 1");
    expect(assertReadOnly("SELECT 1 -- a\n;\n-- b", "databricks")).toBe("SELECT 1");
  });

  it("does not split on semicolons inside strings, identifiers, dollar quotes and comments", () => {
    const cases: Array<[SqlDialect, string]> = [
      ["postgres", "SELECT 'a;''b;' AS x"],
      ["postgres", "SELECT E'a\\';b' AS x"],
      ["postgres", 'SELECT 1 AS "a;""b"'],
      ["postgres", "SELECT $tag$ ; $$ ; $tag$ AS x"],
      ["postgres", "SELECT $a$;$a$ || $b$;$b$"],
      ["postgres", "SELECT 1 /* a /* nested ; */ still comment ; */ + 2"],
      ["postgres", "SELECT 1 -- ; DELETE FROM t\n + 1"],
      ["snowflake", "SELECT $$;$$, 'it\\'s;' AS x"],
      ["snowflake", "SELECT 1 // ; DELETE FROM t\n + 1"],
      ["snowflake", 'SELECT 1 AS "a;b"'],
      ["databricks", "SELECT `a;b`, 'x\\';y', \"p;q\" FROM t"],
      ["databricks", "SELECT r'\\;' AS x"],
    ];
    for (const [d, sql] of cases) expect(assertReadOnly(sql, d)).toBe(sql.replace(/\s*(--|\/\/)[^\n]*$/, "").trim());
  });

  it("refuses a second statement after any kind of quote or comment", () => {
    const cases: Array<[SqlDialect, string]> = [
      ["postgres", "SELECT 'a''b'; DELETE FROM t"],
      ["postgres", "SELECT E'\\''; DELETE FROM t"],
      ["postgres", 'SELECT "x"";"; DROP TABLE t'],
      ["postgres", "SELECT $t$ $$ $t$; DROP TABLE t"],
      ["postgres", "SELECT 1 /* /* */ */; DROP TABLE t"],
      ["snowflake", "SELECT 'a\\'b'; DROP TABLE t"],
      ["databricks", "SELECT `a``b`; DROP TABLE t"],
      ["databricks", "SELECT \"a\\\"b\"; DROP TABLE t"],
      ["postgres", "SELECT 1;\nSELECT 2"],
    ];
    for (const [d, sql] of cases) expect(refusal(sql, d).message).toMatch(/one statement/);
  });

  it("refuses unterminated strings, identifiers, dollar quotes and comments", () => {
    const cases: Array<[SqlDialect, string, RegExp]> = [
      ["postgres", "SELECT 'abc", /Unterminated string/],
      ["postgres", "SELECT E'abc\\'", /Unterminated string/],
      ["postgres", 'SELECT "abc', /Unterminated quoted identifier/],
      ["postgres", "SELECT $$abc", /Unterminated dollar-quoted/],
      ["postgres", "SELECT $x$abc$y$", /Unterminated dollar-quoted/],
      ["postgres", "SELECT 1 /* /* */", /Unterminated block comment/],
      ["snowflake", "SELECT $$abc", /Unterminated dollar-quoted/],
      ["databricks", "SELECT `abc", /Unterminated quoted identifier/],
    ];
    for (const [d, sql, message] of cases) expect(refusal(sql, d).message).toMatch(message);
  });

  it("refuses NUL characters and unusual line breaks in line comments", () => {
    expect(refusal("SELECT 1\0; DELETE FROM t", "postgres").message).toMatch(/NUL/);
    expect(refusal("SELECT 1 -- x\u2028; DELETE FROM t", "postgres").message).toMatch(/line break/);
    expect(refusal("SELECT 1 -- x\r; DELETE FROM t", "snowflake").message).toMatch(/line break/);
    expect(assertReadOnly("SELECT 1 -- x\r\n+ 2", "postgres")).toBe("SELECT 1 -- x\r\n+ 2");
  });

  it("refuses a line comment ending in a backslash where the engine may continue it (Spark)", () => {
    const sql = "SELECT 1 -- note \\\n' ; DELETE FROM t; --'";
    for (const d of ["snowflake", "databricks"] as const) expect(refusal(sql, d).message).toMatch(/backslash/);
    // Postgres never continues comments: there the second line is a string literal, not a statement.
    expect(assertReadOnly(sql, "postgres")).toBe(sql);
    expect(assertReadOnly("SELECT 1 -- ends with a backslash \\", "databricks")).toBe("SELECT 1");
  });

  it("refuses unbalanced parentheses (a stray ')' could close a wrapper)", () => {
    expect(refusal("SELECT 1) UNION (SELECT 2", "postgres").message).toMatch(/unbalanced/);
    expect(refusal("(SELECT 1", "postgres").message).toMatch(/unclosed/);
    expect(assertReadOnly("SELECT ')' AS x, \")\" FROM t", "postgres")).toBe("SELECT ')' AS x, \")\" FROM t");
  });
});

describe("assertReadOnly: readings that engines might disagree on", () => {
  it("postgres: refuses text that splits when backslashes escape (standard_conforming_strings off)", () => {
    const e = refusal("SELECT '\\' , ' ; DELETE FROM t; -- '", "postgres");
    expect(e.message).toMatch(/standard_conforming_strings/);
    // The same text split the other way round.
    expect(refusal("SELECT 'a\\'; DELETE FROM t; --'", "postgres").message).toMatch(/one statement|keyword DELETE/);
    // A backslash that reads the same either way is fine.
    expect(assertReadOnly("SELECT 'C:\\\\dir' AS x", "postgres")).toBe("SELECT 'C:\\\\dir' AS x");
  });

  it("snowflake and databricks: refuse text that splits differently if block comments nest or not", () => {
    for (const d of ["snowflake", "databricks"] as const) {
      expect(refusal("SELECT 1 /* /* */ ' */ ; DELETE FROM t; -- '", d).message).toMatch(/block comments nest/);
      expect(refusal("SELECT 1 /* /* */ */ ; DELETE FROM t", d).message).toMatch(/one statement|DELETE/);
      expect(assertReadOnly("SELECT 1 /* plain ; comment */", d)).toBe("SELECT 1");
    }
  });

  it("refuses text whose trimmed form another reading would see differently", () => {
    // Not nested: "SELECT 1 /* /* */ 2", then ";" and a line comment. Nested: one comment to the end.
    // Trimmed, the nested reading would be left with an open comment.
    for (const d of ["snowflake", "databricks"] as const) {
      expect(refusal("SELECT 1 /* /* */ 2 ; -- */", d).message).toMatch(/read differently/);
    }
  });

  it("every dialect has its primary reading first and at least one alternative", () => {
    for (const d of DIALECTS) {
      const variants = lexVariants(d);
      expect(variants.length).toBeGreaterThan(1);
      expect(variants.every((v) => v.dialect === d)).toBe(true);
    }
  });
});

describe("assertReadOnly: allow-list of statement kinds", () => {
  it("allows SELECT, WITH, VALUES, TABLE, SHOW, DESCRIBE, DESC, EXPLAIN and parenthesised selects", () => {
    const cases = [
      "SELECT 1",
      "select * from t where a = 1 order by b desc limit 10",
      "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
      "VALUES (1, 'a'), (2, 'b')",
      "TABLE t",
      "SHOW search_path",
      "DESCRIBE TABLE t",
      "DESC TABLE t",
      "EXPLAIN (FORMAT JSON) SELECT 1",
      "((SELECT 1))",
      "(VALUES (1))",
    ];
    for (const sql of cases) expect(assertReadOnly(sql, "postgres")).toBe(sql);
    expect(assertReadOnly("SHOW CREATE TABLE t", "databricks")).toBe("SHOW CREATE TABLE t");
    expect(assertReadOnly("SHOW TABLES IN SCHEMA db.s", "snowflake")).toBe("SHOW TABLES IN SCHEMA db.s");
  });

  it("refuses every other statement kind, in any case", () => {
    const cases = [
      "INSERT INTO t VALUES (1)",
      "update t set a = 1",
      "Delete From t",
      "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
      "TRUNCATE t",
      "DROP TABLE t",
      "ALTER TABLE t ADD COLUMN c int",
      "CREATE TABLE t2 AS SELECT 1",
      "GRANT ALL ON t TO public",
      "REVOKE ALL ON t FROM public",
      "COPY t TO '/tmp/x'",
      "CALL p()",
      "RESET ALL",
      "BEGIN",
      "START TRANSACTION",
      "ROLLBACK",
      "LOCK TABLE t",
      "VACUUM t",
      "ANALYZE t",
      "REFRESH MATERIALIZED VIEW v",
      "PREPARE p AS SELECT 1",
      "EXECUTE p",
      "LISTEN c",
      "NOTIFY c",
      "DECLARE c CURSOR FOR SELECT 1",
      "USE ROLE accountadmin",
      "1",
      "'SELECT 1'",
      '"select" 1',
    ];
    for (const sql of cases) expect(refusal(sql, "postgres").message).toMatch(/Only read-only queries/);
    // Inside leading parentheses only queries are allowed.
    expect(refusal("(SHOW TABLES)", "postgres").message).toMatch(/Only read-only queries/);
    expect(refusal("(DELETE FROM t)", "postgres").message).toMatch(/Only read-only queries/);
  });

  it("refuses EXPLAIN ANALYZE in every spelling", () => {
    for (const sql of [
      "EXPLAIN ANALYZE SELECT 1",
      "explain analyse select 1",
      "EXPLAIN (ANALYZE) SELECT 1",
      "EXPLAIN (FORMAT JSON, ANALYZE true) SELECT 1",
      "EXPLAIN (analyze false) SELECT 1",
    ]) {
      expect(refusal(sql, "postgres").message).toMatch(/EXPLAIN ANALYZE/);
    }
  });
});

describe("assertReadOnly: forbidden keywords anywhere outside strings and quoted identifiers", () => {
  const keywords = [
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "TRUNCATE", "DROP", "ALTER", "CREATE", "GRANT",
    "REVOKE", "COPY", "CALL", "DO", "SET", "RESET", "COMMIT", "ROLLBACK", "BEGIN", "START", "LOCK",
    "VACUUM", "REFRESH", "PUT", "INTO",
  ];
  for (const d of DIALECTS) {
    it(`${d}: refuses each keyword as a bare token, in any case`, () => {
      for (const k of keywords) {
        const e = refusal(`SELECT * FROM (SELECT 1) x WHERE ${k.toLowerCase()} = 1`, d);
        expect(e.message).toContain(`keyword ${k}`);
      }
    });
  }

  it("postgres: refuses ANALYZE/ANALYSE; snowflake: GET, REMOVE, RM, UNSET", () => {
    expect(refusal("SELECT analyze FROM t", "postgres").message).toMatch(/keyword ANALYZE/);
    expect(refusal("SELECT analyse FROM t", "postgres").message).toMatch(/keyword ANALYSE/);
    for (const k of ["GET", "REMOVE", "RM", "UNSET"]) {
      expect(refusal(`SELECT 1 ${k} @stage`, "snowflake").message).toContain(`keyword ${k}`);
    }
  });

  it("refuses data-modifying CTEs in every position", () => {
    const cases = [
      "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
      "WITH a AS (SELECT 1), u AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM u",
      "WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT 1",
      "WITH x AS (SELECT 1) DELETE FROM t",
      "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
      "WITH m AS (MERGE INTO t USING s ON true WHEN MATCHED THEN DO NOTHING RETURNING *) SELECT 1",
      "SELECT * FROM t FOR UPDATE",
    ];
    for (const sql of cases) expect(refusal(sql, "postgres").message).toMatch(/keyword/);
  });

  it("refuses SELECT INTO in its variants", () => {
    for (const sql of ["SELECT * INTO t2 FROM t", "SELECT a INTO TEMP t2 FROM t", "WITH x AS (SELECT 1) SELECT * INTO t2 FROM x", "select 1 into\nt2"]) {
      expect(refusal(sql, "postgres").message).toMatch(/keyword INTO/);
    }
  });

  it("does not treat keywords inside strings, comments or quoted identifiers as keywords", () => {
    const cases: Array<[SqlDialect, string]> = [
      ["postgres", 'SELECT "update", "delete", "Set", "into" FROM t'],
      ["postgres", "SELECT 'DELETE FROM t; DROP TABLE t' AS x"],
      ["postgres", "SELECT $$DELETE$$, $q$INSERT INTO t$q$ AS x"],
      ["postgres", "SELECT 1 /* DELETE FROM t */ AS x"],
      ["postgres", "SELECT deleted_at, update_count, settings, created, start_date, \"do\" FROM t"],
      ["postgres", "SELECT t.\"delete\" FROM t"],
      ["snowflake", 'SELECT "update" FROM t'],
      ["snowflake", "SELECT $$DROP TABLE t$$"],
      ["databricks", "SELECT `update`, `delete` FROM t"],
      ["databricks", "SELECT 'DROP TABLE t', \"INSERT\" FROM t"],
    ];
    for (const [d, sql] of cases) expect(assertReadOnly(sql, d)).toBe(sql);
  });

  it("splits on any Unicode space so a keyword cannot hide next to one", () => {
    expect(refusal("SELECT 1 FROM t WHERE\u00a0delete = 1", "snowflake").message).toMatch(/keyword DELETE/);
    expect(refusal("SELECT\u3000* INTO t2 FROM t", "postgres").message).toMatch(/keyword INTO/);
  });

  it("folds case the way Unicode-aware lexers do (dotless i, long s)", () => {
    expect(refusal("SELECT 1 FROM t WHERE \u0131nsert = 1", "databricks").message).toMatch(/keyword INSERT/);
    expect(refusal("SELECT 1 FROM t WHERE \u017Fet = 1", "databricks").message).toMatch(/keyword SET/);
    expect(refusal("SELECT \u0131nto FROM t", "postgres").message).toMatch(/keyword INTO/);
  });

  it("allows the read-only uses of START and GET in snowflake", () => {
    const hierarchical = "SELECT id FROM t START WITH parent IS NULL CONNECT BY parent = PRIOR id";
    expect(assertReadOnly(hierarchical, "snowflake")).toBe(hierarchical);
    expect(assertReadOnly("SELECT GET(arr, 0) FROM t", "snowflake")).toBe("SELECT GET(arr, 0) FROM t");
    expect(refusal(hierarchical, "postgres").message).toMatch(/keyword START/);
  });

  it("postgres: refuses row locks (FOR SHARE) and UESCAPE", () => {
    expect(refusal("SELECT * FROM t FOR SHARE", "postgres").message).toMatch(/FOR SHARE/);
    expect(refusal("SELECT * FROM t FOR KEY SHARE", "postgres").message).toMatch(/FOR SHARE/);
    expect(refusal("SELECT * FROM t FOR NO KEY UPDATE", "postgres").message).toMatch(/keyword UPDATE/);
    expect(refusal(`SELECT U&"n!0065xtval" UESCAPE '!' ('s')`, "postgres").message).toMatch(/UESCAPE/);
  });

  it("snowflake: refuses the ->> statement-chaining operator, postgres keeps its JSON operator", () => {
    expect(refusal("SHOW TABLES ->> SELECT * FROM $1", "snowflake").message).toMatch(/->>/);
    expect(assertReadOnly("SELECT doc ->> 'a' FROM t", "postgres")).toBe("SELECT doc ->> 'a' FROM t");
  });
});

describe("assertReadOnly: side-effect functions", () => {
  const pgFunctions = [
    "set_config", "nextval", "setval", "pg_terminate_backend", "pg_cancel_backend", "lo_import",
    "lo_export", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "dblink", "dblink_exec",
    "dblink_connect", "pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock",
    "pg_try_advisory_lock", "query_to_xml", "pg_reload_conf",
  ];
  for (const f of pgFunctions) {
    it(`postgres refuses ${f} bare, upper-case, quoted and schema-qualified`, () => {
      for (const spelling of [f, f.toUpperCase(), `"${f}"`, `pg_catalog.${f}`, `PG_CATALOG."${f}"`, `public . ${f}`]) {
        expect(refusal(`SELECT ${spelling}('x')`, "postgres").message).toContain(`function ${f}`);
      }
    });
  }

  it("postgres refuses a function name spelled with Unicode escapes", () => {
    expect(refusal(`SELECT U&"n\\0065xtval"('s')`, "postgres").message).toContain("function nextval");
    expect(refusal(`SELECT U&"\\+00006Eextval"('s')`, "postgres").message).toContain("function nextval");
  });

  it("postgres refuses a function call hidden behind comments and whitespace", () => {
    expect(refusal("SELECT nextval /* x */ ('s')", "postgres").message).toContain("function nextval");
    expect(refusal("SELECT pg_catalog\n.\nset_config('a','b',false)", "postgres").message).toContain("function set_config");
  });

  it("allows pg_sleep and ordinary functions, and the names inside strings", () => {
    for (const sql of [
      "SELECT pg_sleep(1)",
      "SELECT pg_sleep_for('1 second')",
      "SELECT count(*), now(), current_setting('search_path') FROM t",
      "SELECT 'nextval' AS x, $$set_config$$ AS y",
      "SELECT currval('s')",
    ]) {
      expect(assertReadOnly(sql, "postgres")).toBe(sql);
    }
  });

  it("snowflake refuses sequence NEXTVAL and session-killing system functions; databricks refuses reflect", () => {
    expect(refusal("SELECT seq1.NEXTVAL", "snowflake").message).toMatch(/function nextval/i);
    expect(refusal("SELECT SYSTEM$CANCEL_ALL_QUERIES(1)", "snowflake").message).toMatch(/function system\$cancel_all_queries/i);
    expect(refusal("SELECT SYSTEM$ABORT_SESSION(1)", "snowflake").message).toMatch(/function/);
    expect(refusal("SELECT reflect('java.lang.Thread', 'sleep', 1)", "databricks").message).toMatch(/function reflect/);
    expect(assertReadOnly("SELECT SYSTEM$TYPEOF(1)", "snowflake")).toBe("SELECT SYSTEM$TYPEOF(1)");
  });

  it("snowflake refuses every SYSTEM$ function but the documented readers, in every spelling", () => {
    for (const sql of [
      "SELECT SYSTEM$CANCEL_QUERY('01a2')",
      "SELECT system$set_return_value('x')",
      'SELECT "SYSTEM$SEND_EMAIL"(\'i\', \'a@b.c\', \'s\', \'b\')',
      "SELECT * FROM TABLE(SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS('t'))",
      "SELECT CASE WHEN 1 = 1 THEN SYSTEM$PIPE_FORCE_RESUME('p') END",
      "SELECT (SELECT SYSTEM$WAIT(10)) AS w",
      "SELECT x FROM t ORDER BY SYSTEM$ABORT_TRANSACTION(1)",
      "SELECT SYSTEM$EXPLAIN_PLAN_JSON('DELETE FROM t')",
    ]) {
      expect(refusal(sql, "snowflake").message).toMatch(/The function system\$\w+ is not allowed/i);
    }
    for (const sql of [
      "SELECT SYSTEM$TYPEOF(1)",
      "SELECT SYSTEM$CLUSTERING_INFORMATION('t')",
      "SELECT SYSTEM$CLUSTERING_DEPTH('t')",
      "SELECT SYSTEM$GET_TAG('db.s.tag', 't', 'table')",
    ]) {
      expect(assertReadOnly(sql, "snowflake")).toBe(sql);
    }
  });

  it("snowflake refuses CALL, EXECUTE IMMEDIATE, scripting blocks and session changes", () => {
    for (const [sql, message] of [
      ["CALL proc()", /not a CALL statement/],
      ["WITH p AS PROCEDURE () RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 1; END $$ CALL p()", /keyword (CALL|BEGIN)/],
      ["EXECUTE IMMEDIATE 'DELETE FROM t'", /not a EXECUTE statement/],
      ["SELECT 1 WHERE EXISTS (EXECUTE IMMEDIATE 'x')", /keyword EXECUTE/],
      ["BEGIN DELETE FROM t; END", /one statement|not a BEGIN/],
      ["DECLARE x INT; BEGIN RETURN x; END", /one statement|not a DECLARE/],
      ["USE ROLE ACCOUNTADMIN", /not a USE statement/],
      ["USE WAREHOUSE big", /not a USE statement/],
      ["ALTER SESSION SET QUERY_TAG = 'x'", /not a ALTER statement/],
      ["SET x = 1", /not a SET statement/],
      ["UNSET x", /not a UNSET statement/],
      ["SELECT 1 ->> DELETE FROM t", /->>/],
      ["EXECUTE TASK t", /not a EXECUTE statement/],
    ] as const) {
      expect(refusal(sql, "snowflake").message).toMatch(message);
    }
  });

  it("databricks refuses JVM reflection, HTTP requests, secrets and AI calls; columns named alike stay usable", () => {
    for (const [sql, fn] of [
      ["SELECT reflect('java.lang.Runtime', 'getRuntime')", "reflect"],
      ["SELECT `java_method`('java.util.UUID', 'randomUUID')", "java_method"],
      ["SELECT try_reflect('a', 'b')", "try_reflect"],
      ["SELECT http_request(conn => 'slack', method => 'POST', path => '/chat.postMessage')", "http_request"],
      ["SELECT secret('scope', 'key')", "secret"],
      ["SELECT TRY_SECRET('scope', 'key')", "try_secret"],
      ["SELECT * FROM list_secrets()", "list_secrets"],
      ["SELECT ai_query('endpoint', v) FROM t", "ai_query"],
      ["SELECT x FROM t ORDER BY (SELECT ai_gen('x'))", "ai_gen"],
      ["SELECT CASE WHEN true THEN `reflect`('a', 'b') END", "reflect"],
    ] as const) {
      expect(refusal(sql, "databricks").message).toMatch(new RegExp(`The function ${fn} is not allowed`, "i"));
    }
    expect(assertReadOnly("SELECT ai_score, ai_label FROM t", "databricks")).toBe("SELECT ai_score, ai_label FROM t");
  });

  it("databricks refuses CALL, EXECUTE IMMEDIATE, REFRESH, CACHE, ADD JAR, SET, USE and scripting", () => {
    for (const [sql, message] of [
      ["CALL main.s.proc()", /not a CALL statement/],
      ["EXECUTE IMMEDIATE 'DROP TABLE t'", /not a EXECUTE statement/],
      ["REFRESH TABLE t", /not a REFRESH statement/],
      ["CACHE TABLE t", /not a CACHE statement/],
      ["UNCACHE TABLE t", /not a UNCACHE statement/],
      ["ADD JAR '/tmp/x.jar'", /not a ADD statement/],
      ["SET spark.sql.ansi.enabled = false", /not a SET statement/],
      ["SET VAR x = 1", /not a SET statement/],
      ["USE CATALOG other", /not a USE statement/],
      ["BEGIN DELETE FROM t; END", /one statement|not a BEGIN/],
      ["DECLARE VARIABLE v INT", /not a DECLARE statement/],
      ["MSCK REPAIR TABLE t", /not a MSCK statement/],
      ["OPTIMIZE t", /not a OPTIMIZE statement/],
      ["WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", /keyword INSERT/],
    ] as const) {
      expect(refusal(sql, "databricks").message).toMatch(message);
    }
  });
});

describe("tokenize", () => {
  it("reads postgres E'' strings with backslash escapes only when E starts the token", () => {
    const [opts] = lexVariants("postgres");
    const tokens = tokenize("SELECT E'a\\'b', e'\\\\', xe'c'", opts!);
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ["word", "select"],
      ["string", "a'b"],
      ["punct", ","],
      ["string", "\\"],
      ["punct", ","],
      ["word", "xe"],
      ["string", "c"],
    ]);
  });

  it("keeps $ inside postgres and snowflake identifiers and reads $1 as a parameter", () => {
    const [pg] = lexVariants("postgres");
    expect(tokenize("SELECT a$$b, $1", pg!).map((t) => [t.kind, t.value])).toEqual([
      ["word", "select"],
      ["word", "a$$b"],
      ["punct", ","],
      ["param", "$1"],
    ]);
    const [sf] = lexVariants("snowflake");
    expect(tokenize("SELECT $1, $var, $$x$$", sf!).map((t) => [t.kind, t.value])).toEqual([
      ["word", "select"],
      ["param", "$1"],
      ["punct", ","],
      ["param", "$var"],
      ["punct", ","],
      ["string", "x"],
    ]);
  });

  it("decodes doubled quotes in quoted identifiers and records offsets", () => {
    const [pg] = lexVariants("postgres");
    const tokens = tokenize(' "a""b" ', pg!);
    expect(tokens).toEqual([{ kind: "qident", value: 'a"b', start: 1, end: 7 }]);
    const [db] = lexVariants("databricks");
    expect(tokenize("`a``b`", db!)).toEqual([{ kind: "qident", value: "a`b", start: 0, end: 6 }]);
  });
});

describe("quoteIdent", () => {
  it("double-quotes with doubled quotes for postgres and snowflake", () => {
    expect(quoteIdent("users", "postgres")).toBe('"users"');
    expect(quoteIdent('we"ird', "postgres")).toBe('"we""ird"');
    expect(quoteIdent('a"; DROP TABLE t; --', "snowflake")).toBe('"a""; DROP TABLE t; --"');
  });

  it("backtick-quotes with doubled backticks for databricks", () => {
    expect(quoteIdent("users", "databricks")).toBe("`users`");
    expect(quoteIdent("we`ird", "databricks")).toBe("`we``ird`");
  });

  it("round-trips through the tokenizer as one quoted identifier, whatever the name", () => {
    const names = ['a"b', "a`b", "x; DELETE FROM t", "'", "\\", "$$", "/*", "--", "日本"];
    for (const d of DIALECTS) {
      for (const name of names) {
        const quoted = quoteIdent(name, d);
        for (const opts of lexVariants(d)) {
          expect(tokenize(quoted, opts)).toEqual([{ kind: "qident", value: name, start: 0, end: quoted.length }]);
        }
        expect(assertReadOnly(`SELECT ${quoted} FROM t`, d)).toBe(`SELECT ${quoted} FROM t`);
      }
    }
  });

  it("refuses empty names and NUL characters", () => {
    for (const d of DIALECTS) {
      expect(() => quoteIdent("", d)).toThrow(ConnectorError);
      expect(() => quoteIdent("a\0b", d)).toThrow(/NUL/);
    }
  });
});

describe("quoteLiteral", () => {
  it("doubles single quotes; postgres switches to E'' only when there is a backslash", () => {
    expect(quoteLiteral("it's", "postgres")).toBe("'it''s'");
    expect(quoteLiteral("a\\b'c", "postgres")).toBe("E'a\\\\b''c'");
    expect(quoteLiteral("it's", "snowflake")).toBe("'it''s'");
    expect(quoteLiteral("a\\b", "snowflake")).toBe("'a\\\\b'");
    expect(quoteLiteral("it's a\\b", "databricks")).toBe("'it\\'s a\\\\b'");
  });

  it("round-trips through every reading of the tokenizer as one string with the same value", () => {
    const values = ["", "plain", "it's", "'; DELETE FROM t; --", "back\\slash", "\\'", "'\\", "$$", "\"", "`", "line\nbreak"];
    for (const d of DIALECTS) {
      for (const value of values) {
        const quoted = quoteLiteral(value, d);
        for (const opts of lexVariants(d)) {
          const tokens = tokenize(quoted, opts);
          expect(tokens).toHaveLength(1);
          expect(tokens[0]).toMatchObject({ kind: "string", value });
        }
        expect(assertReadOnly(`SELECT ${quoted} AS v`, d)).toBe(`SELECT ${quoted} AS v`);
      }
    }
  });

  it("refuses NUL characters", () => {
    for (const d of DIALECTS) expect(() => quoteLiteral("a\0", d)).toThrow(/NUL/);
  });
});
