import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import { assertReadOnly, quoteIdent, quoteLiteral, type SqlDialect } from "../../src/sql/readonly";
import { lexVariants, tokenize } from "../../src/sql/tokenizer";

const DIALECTS: SqlDialect[] = ["postgres", "snowflake", "databricks"];
const dialect = fc.constantFrom(...DIALECTS);

// Strings rich in the characters that matter to the lexer.
const tricky = fc.string({
  unit: fc.oneof(
    fc.constantFrom("'", '"', "`", "\\", "$", "$$", ";", "--", "/*", "*/", "//", "\n", "\r\n", " ", "E'", "U&"),
    fc.constantFrom("a", "x", "1", "_", "é", "\u00a0", "DELETE", "into", "ı"),
  ),
  maxLength: 30,
}).filter((s) => !s.includes("\0"));

const sqlString = fc.string({ unit: "binary", maxLength: 40 });

describe("properties", () => {
  it("a quoted literal is always one string token with the same value, in every reading", () => {
    fc.assert(
      fc.property(dialect, fc.oneof(tricky, sqlString.filter((s) => !s.includes("\0"))), (d, value) => {
        const quoted = quoteLiteral(value, d);
        for (const opts of lexVariants(d)) {
          const tokens = tokenize(quoted, opts);
          expect(tokens).toEqual([{ kind: "string", value, start: 0, end: quoted.length }]);
        }
        expect(assertReadOnly(`SELECT ${quoted} AS v`, d)).toBe(`SELECT ${quoted} AS v`);
      }),
      { numRuns: 500 },
    );
  });

  it("a quoted identifier is always one identifier token with the same name, in every reading", () => {
    fc.assert(
      fc.property(dialect, fc.oneof(tricky, sqlString).filter((s) => s.length > 0 && !s.includes("\0")), (d, name) => {
        const quoted = quoteIdent(name, d);
        for (const opts of lexVariants(d)) {
          expect(tokenize(quoted, opts)).toEqual([{ kind: "qident", value: name, start: 0, end: quoted.length }]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("nothing quoted can smuggle a second statement past the check", () => {
    fc.assert(
      fc.property(dialect, tricky, tricky, (d, a, b) => {
        const sql = `SELECT ${quoteLiteral(a, d)}, ${quoteIdent(b || "x", d)}; DELETE FROM t`;
        expect(() => assertReadOnly(sql, d)).toThrow(ConnectorError);
      }),
      { numRuns: 500 },
    );
  });

  it("on arbitrary text, it either returns a slice of the input or throws invalid_request", () => {
    fc.assert(
      fc.property(dialect, fc.oneof(tricky, sqlString), (d, tail) => {
        const sql = `SELECT ${tail}`;
        let out: string;
        try {
          out = assertReadOnly(sql, d);
        } catch (err) {
          expect(err).toBeInstanceOf(ConnectorError);
          expect((err as ConnectorError).code).toBe("invalid_request");
          return;
        }
        expect(sql.includes(out)).toBe(true);
        expect(out.startsWith("SELECT")).toBe(true);
        // The returned text passes again, unchanged.
        expect(assertReadOnly(out, d)).toBe(out);
      }),
      { numRuns: 1000 },
    );
  });

  it("whatever follows a semicolon outside quotes makes a second statement", () => {
    fc.assert(
      fc.property(dialect, fc.constantFrom("DELETE FROM t", "DROP TABLE t", "SELECT 2", "x"), (d, second) => {
        expect(() => assertReadOnly(`SELECT 1; ${second}`, d)).toThrow(/one statement/);
      }),
    );
  });
});
