import { ConnectorError } from "../connectors/errors";

// A small SQL lexer, just precise enough to find statement boundaries and bare keywords. It never
// evaluates anything: it only has to agree with the engine about where strings, quoted identifiers
// and comments start and end. Where engines (or their settings) could disagree, the caller lexes the
// text once per plausible reading and requires every reading to pass (see `lexVariants`).

export type SqlDialect = "postgres" | "snowflake" | "databricks";

export type TokenKind =
  | "word" // unquoted identifier or keyword; `value` is case-folded (upper- then lower-cased)
  | "qident" // quoted identifier; `value` is the decoded name
  | "string" // any string literal (quotes, E'', dollar quotes, raw strings)
  | "number"
  | "param" // $1 (postgres), $name / $1 (snowflake), :name, ?
  | "punct"; // one character of punctuation or operator

export type Token = {
  kind: TokenKind;
  value: string;
  start: number; // offset of the first character in the input
  end: number; // offset after the last character
};

export type LexOptions = {
  dialect: SqlDialect;
  // Block comments nest (`/* /* */ */` is one comment).
  nestedComments: boolean;
  // Backslash escapes a character inside ordinary '...' strings (always for snowflake and
  // databricks; for postgres only when standard_conforming_strings is off).
  backslashInStrings: boolean;
};

// The readings an engine might apply. Postgres: standard_conforming_strings is on by default but a
// role or database may turn it off; its block comments nest. Snowflake and Databricks: whether block
// comments nest is not something to bet on, so both readings are checked.
export function lexVariants(dialect: SqlDialect): LexOptions[] {
  switch (dialect) {
    case "postgres":
      return [
        { dialect, nestedComments: true, backslashInStrings: false },
        { dialect, nestedComments: true, backslashInStrings: true },
      ];
    case "snowflake":
    case "databricks":
      return [
        { dialect, nestedComments: false, backslashInStrings: true },
        { dialect, nestedComments: true, backslashInStrings: true },
      ];
  }
}

const refuse = (message: string) => new ConnectorError("invalid_request", message);

// Any Unicode space separates tokens here, even where an engine would treat it as part of a name:
// splitting too eagerly can only reveal more keywords (a refusal), never hide one.
const isWhitespace = (c: string) => /\s/u.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";
const isAsciiLetter = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
// Postgres and Snowflake accept any non-ASCII character in unquoted identifiers.
const isIdentStart = (c: string) =>
  isAsciiLetter(c) || c === "_" || (c.charCodeAt(0) >= 0x80 && !isWhitespace(c));
const isIdentPart = (c: string, dialect: SqlDialect) =>
  isIdentStart(c) || isDigit(c) || (c === "$" && dialect !== "databricks");
// Postgres dollar-quote tags: an identifier without `$`.
const isTagStart = (c: string) => isAsciiLetter(c) || c === "_" || c.charCodeAt(0) >= 0x80;
const isTagPart = (c: string) => isTagStart(c) || isDigit(c);

export function tokenize(sql: string, opts: LexOptions): Token[] {
  const { dialect } = opts;
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;

  // Reads a quoted run starting at `open` (the opening quote); returns the index after the closing
  // quote and the decoded content. A doubled quote is an escaped quote; a backslash escapes the next
  // character when `backslash` is set.
  const readQuoted = (open: number, quote: string, backslash: boolean, what: string) => {
    let j = open + 1;
    let value = "";
    for (;;) {
      if (j >= n) throw refuse(`Unterminated ${what} starting at offset ${open}`);
      const c = sql[j]!;
      if (backslash && c === "\\") {
        if (j + 1 >= n) throw refuse(`Unterminated ${what} starting at offset ${open}`);
        value += sql[j + 1];
        j += 2;
        continue;
      }
      if (c === quote) {
        if (sql[j + 1] === quote) {
          value += quote;
          j += 2;
          continue;
        }
        return { end: j + 1, value };
      }
      value += c;
      j++;
    }
  };

  const push = (kind: TokenKind, value: string, start: number, end: number) => {
    tokens.push({ kind, value, start, end });
    i = end;
  };

  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1] ?? "";

    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (c === "\0") throw refuse("The statement contains a NUL character");

    // Line comments: `--` everywhere, `//` in Snowflake.
    // A line break that engines might not agree on (a lone CR, VT, FF, NEL, LS, PS) inside a line
    // comment is refused: it could end the comment for the engine but not for us, or the reverse.
    if ((c === "-" && next === "-") || (dialect === "snowflake" && c === "/" && next === "/")) {
      const open = i;
      while (i < n && sql[i] !== "\n") {
        const d = sql[i]!;
        if (d === "\r") {
          if (sql[i + 1] === "\n") break;
          throw refuse("A line comment ends with an unusual line break; use \\n");
        }
        if (d === "\v" || d === "\f" || d === "\u0085" || d === "\u2028" || d === "\u2029") {
          throw refuse("A line comment contains an unusual line break; use \\n");
        }
        i++;
      }
      // Spark continues a line comment onto the next line after a trailing backslash; refuse that
      // where the engine is not known to ignore it.
      if (dialect !== "postgres" && i < n && i > open && sql[i - 1] === "\\") {
        throw refuse("A line comment must not end with a backslash");
      }
      continue;
    }

    // Block comments.
    if (c === "/" && next === "*") {
      const open = i;
      let depth = 1;
      i += 2;
      while (depth > 0) {
        if (i >= n) throw refuse(`Unterminated block comment starting at offset ${open}`);
        if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
        } else if (opts.nestedComments && sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else {
          i++;
        }
      }
      continue;
    }

    // Ordinary string literals. Databricks also reads "..." as a string literal.
    if (c === "'" || (c === '"' && dialect === "databricks")) {
      const r = readQuoted(i, c, opts.backslashInStrings, "string literal");
      push("string", r.value, i, r.end);
      continue;
    }

    // Quoted identifiers.
    if (c === '"') {
      const r = readQuoted(i, '"', false, "quoted identifier");
      push("qident", r.value, i, r.end);
      continue;
    }
    if (c === "`" && dialect === "databricks") {
      const r = readQuoted(i, "`", false, "quoted identifier");
      push("qident", r.value, i, r.end);
      continue;
    }

    // Dollar signs: quotes, parameters, variables.
    if (c === "$") {
      if (dialect === "postgres") {
        // $tag$ ... $tag$ or $$ ... $$
        let j = i + 1;
        if (j < n && isTagStart(sql[j]!)) {
          j++;
          while (j < n && isTagPart(sql[j]!)) j++;
        }
        if (sql[j] === "$") {
          const delimiter = sql.slice(i, j + 1);
          const close = sql.indexOf(delimiter, j + 1);
          if (close < 0) throw refuse(`Unterminated dollar-quoted string starting at offset ${i}`);
          push("string", sql.slice(j + 1, close), i, close + delimiter.length);
          continue;
        }
        if (isDigit(next)) {
          let k = i + 1;
          while (k < n && isDigit(sql[k]!)) k++;
          push("param", sql.slice(i, k), i, k);
          continue;
        }
      } else if (dialect === "snowflake") {
        if (next === "$") {
          const close = sql.indexOf("$$", i + 2);
          if (close < 0) throw refuse(`Unterminated dollar-quoted string starting at offset ${i}`);
          push("string", sql.slice(i + 2, close), i, close + 2);
          continue;
        }
        if (isIdentPart(next, dialect) && next !== "$") {
          let k = i + 1;
          while (k < n && isIdentPart(sql[k]!, dialect)) k++;
          push("param", sql.slice(i, k), i, k);
          continue;
        }
      }
      push("punct", c, i, i + 1);
      continue;
    }

    // Words, with the prefixes that turn a following quote into a special literal.
    if (isIdentStart(c)) {
      // Postgres E'...': backslash escapes regardless of standard_conforming_strings.
      if (dialect === "postgres" && (c === "e" || c === "E") && next === "'") {
        const r = readQuoted(i + 1, "'", true, "string literal");
        push("string", r.value, i, r.end);
        continue;
      }
      // Databricks raw strings r'...' / r"...": no escapes at all.
      if (dialect === "databricks" && (c === "r" || c === "R") && (next === "'" || next === '"')) {
        const close = sql.indexOf(next, i + 2);
        if (close < 0) throw refuse(`Unterminated string literal starting at offset ${i}`);
        push("string", sql.slice(i + 2, close), i, close + 1);
        continue;
      }
      // Postgres U&"..." identifiers and U&'...' strings (Unicode escapes).
      if (dialect === "postgres" && (c === "u" || c === "U") && next === "&" && (sql[i + 2] === '"' || sql[i + 2] === "'")) {
        const quote = sql[i + 2]!;
        const r = readQuoted(i + 2, quote, false, quote === '"' ? "quoted identifier" : "string literal");
        if (quote === '"') push("qident", decodeUnicodeEscapes(r.value), i, r.end);
        else push("string", r.value, i, r.end);
        continue;
      }
      let k = i + 1;
      while (k < n && isIdentPart(sql[k]!, dialect)) k++;
      // Upper-casing first folds the characters some engines' case-insensitive lexers fold into ASCII
      // (Spark upper-cases with Java's Character.toUpperCase: "ınsert" reads as INSERT).
      push("word", sql.slice(i, k).toUpperCase().toLowerCase(), i, k);
      continue;
    }

    if (isDigit(c)) {
      let k = i + 1;
      while (k < n && (isDigit(sql[k]!) || sql[k] === "_")) k++;
      if (sql[k] === "." && isDigit(sql[k + 1] ?? "")) {
        k++;
        while (k < n && (isDigit(sql[k]!) || sql[k] === "_")) k++;
      }
      if ((sql[k] === "e" || sql[k] === "E") && (isDigit(sql[k + 1] ?? "") || ((sql[k + 1] === "+" || sql[k + 1] === "-") && isDigit(sql[k + 2] ?? "")))) {
        k += 2;
        while (k < n && isDigit(sql[k]!)) k++;
      }
      push("number", sql.slice(i, k), i, k);
      continue;
    }

    // Named parameters (:name) are harmless; everything else is one character of punctuation.
    push("punct", c, i, i + 1);
  }
  return tokens;
}

// Decodes the default `\XXXX` / `\+XXXXXX` escapes of a postgres U&"..." identifier, so that a
// function name spelled with escapes is still recognised. A custom UESCAPE is refused by the caller.
function decodeUnicodeEscapes(s: string): string {
  return s.replace(/\\(\\|\+[0-9a-fA-F]{6}|[0-9a-fA-F]{4})/g, (_m, esc: string) => {
    if (esc === "\\") return "\\";
    const code = parseInt(esc.startsWith("+") ? esc.slice(1) : esc, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
  });
}
