import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import { functionPreflight, preflightRefusal } from "../../src/sql/pg-function-policy";
import { postgresCallables } from "../../src/sql/readonly";

// The names the catalog check is given: every spelling the server could read as a function, type or
// operator name. (What the server then decides is tested on the real PostgreSQL: test/postgres/function-policy.test.ts.)
const names = (sql: string) => postgresCallables(sql).names;
const ops = (sql: string) => postgresCallables(sql).operators;

describe("postgresCallables", () => {
  it("finds names in every position and spelling", () => {
    expect(names('SELECT * FROM "pg_catalog"."ts_stat"($$x$$)')).toEqual(expect.arrayContaining(["pg_catalog", "ts_stat"]));
    expect(names("SELECT * FROM PG_CATALOG.TS_STAT('x')")).toEqual(expect.arrayContaining(["pg_catalog", "ts_stat"]));
    expect(names('SELECT * FROM U&"\\0074s_stat"(\'x\')')).toContain("ts_stat");
    expect(names('SELECT * FROM U&"ts\\+00005Fstat"(\'x\')')).toContain("ts_stat");
    expect(names("SELECT x FROM t ORDER BY (SELECT f(1)) , CASE WHEN g() THEN 1 END")).toEqual(expect.arrayContaining(["f", "g", "t", "x"]));
    expect(names("SELECT r.fullname FROM people r")).toContain("fullname"); // field notation calls fullname(people)
    expect(names("SELECT '1'::mytype, CAST(1 AS other_type)")).toEqual(expect.arrayContaining(["mytype", "other_type"]));
  });

  it("does not look inside strings: the functions that would run them are refused instead", () => {
    const found = names("SELECT * FROM ts_stat($q$SELECT dblink_exec('x', 'DELETE FROM v')$q$)");
    expect(found).toContain("ts_stat");
    expect(found).not.toContain("dblink_exec");
  });

  it("adds the server's readings of non-ASCII spellings", () => {
    // The server folds only ASCII letters and reads every non-ASCII character as part of a name.
    expect(names("SELECT TS_STATÄ('x')")).toEqual(expect.arrayContaining(["ts_statÄ", "ts_statä"]));
    expect(names("SELECT ts_stat\u00a0x('q')")).toContain("ts_stat\u00a0x");
  });

  it("covers both readings of backslashes in strings", () => {
    // Read with standard_conforming_strings on, f(1) is inside a comment; off, the string ends later
    // and f(1) is a call. Both readings count.
    expect(names("SELECT 'a\\' -- ', f(1) --'\n")).toContain("f");
  });

  it("lists operator spellings with their substrings and the implied comparison and LIKE operators", () => {
    const found = ops("SELECT a @@@ b, c <-> d FROM t WHERE x LIKE 'y'");
    expect(found).toEqual(expect.arrayContaining(["@@@", "@@", "@", "<->", "<-", "->", "=", "~~"]));
    expect(() => postgresCallables(`SELECT 1 ${"@".repeat(64)} 2`)).toThrow(ConnectorError);
  });
});

describe("the preflight and its error", () => {
  it("sends the names as array literals, escaped, with a fresh nonce", () => {
    const p = functionPreflight({ names: ['a"b', "c\\d"], operators: ["="] });
    expect(p.params.slice(0, 2)).toEqual(['{"a\\"b","c\\\\d"}', '{"="}']);
    expect(p.params[2]).toMatch(/^[0-9a-f-]{36}$/);
    expect(functionPreflight({ names: [], operators: [] }).params[2]).not.toBe(p.params[2]);
    expect(p.sql).toContain("pg_catalog.pg_proc");
  });

  it("decodes only its own error into a 422 refusal", () => {
    const preflight = functionPreflight({ names: ["ts_stat"], operators: [] });
    const nonce = String(preflight.params[2]);
    const engine = (message: string, code = "22P02") => new ConnectorError("upstream_error", message, { engineCode: code });
    const verdict = (json: string, n = nonce) => engine(`invalid input syntax for type integer: "connections-api refused ${n}: ${json}"`);
    const ours = verdict('{"kind" : "function", "name" : "ts_stat", "function" : "ts_stat", "reason" : "sql"}');
    const r = preflightRefusal(ours, preflight);
    expect(r?.code).toBe("invalid_request");
    expect(r?.message).toBe("The function ts_stat is not allowed in a read-only query: it runs SQL given to it as text, outside the checks on this statement");
    // A statement's own error that imitates the verdict (without the nonce), other codes, other errors.
    expect(preflightRefusal(verdict('{"kind":"function","name":"x","function":"x","reason":"sql"}', "forged"), preflight)).toBeNull();
    expect(preflightRefusal(engine('invalid input syntax for type integer: "abc"'), preflight)).toBeNull();
    expect(preflightRefusal(engine(ours.message, "42883"), preflight)).toBeNull();
    expect(preflightRefusal(new Error(ours.message), preflight)).toBeNull();
    const op = preflightRefusal(verdict('{"kind":"operator","name":"===","function":"my_eq","reason":"user"}'), preflight);
    expect(op?.message).toMatch(/^The operator === \(function my_eq\) is not allowed .*defined in this database/);
  });
});
