import { ConnectorError } from "../connectors/errors";
import { lexVariants, tokenize, type LexOptions, type SqlDialect, type Token } from "./tokenizer";

export type { SqlDialect } from "./tokenizer";

// Read-only checks for user-supplied SQL.
//
// This is a filter in front of the engine, not the guarantee. The real guarantee is the engine's:
// the query runs in a read-only transaction (Postgres) with a statement timeout, one statement per
// request (Snowflake), row and time limits (Databricks) and, above all, under a warehouse role that
// can only read. These checks exist to refuse the obvious early with a clear message, and to make
// sure a second statement cannot ride along with the first. They fail closed: whenever the text
// could be read two ways, every reading must pass.

const refuse = (message: string) => new ConnectorError("invalid_request", message);

const ALLOWED_FIRST = new Set(["select", "with", "values", "table", "show", "describe", "desc", "explain"]);
const ALLOWED_IN_PARENS = new Set(["select", "with", "values", "table"]);

// Data-modifying or session-changing keywords, refused anywhere outside strings, comments and
// quoted identifiers.
const FORBIDDEN_COMMON = [
  "insert", "update", "delete", "merge", "upsert", "truncate", "drop", "alter", "create", "grant",
  "revoke", "copy", "call", "do", "set", "reset", "commit", "rollback", "begin", "start", "lock",
  "vacuum", "refresh", "put", "execute",
  // SELECT ... INTO creates a table (postgres); INTO has no read-only use in any dialect.
  "into",
];
const FORBIDDEN: Record<SqlDialect, Set<string>> = {
  postgres: new Set([...FORBIDDEN_COMMON, "analyze", "analyse"]),
  snowflake: new Set([...FORBIDDEN_COMMON, "get", "remove", "rm", "unset"]),
  databricks: new Set([...FORBIDDEN_COMMON]),
};

// Functions with side effects (or that read the server's files), matched by name wherever the name
// appears: bare, quoted, or schema-qualified (the last part is its own token). `calls` prefixes match
// only a call (the name followed by "("), so that columns named alike stay usable; `allowed` names
// are exceptions to the prefixes.
//
// For postgres this is only an early first layer: the rule is the server's catalog, checked in the
// statement's own transaction (pg-function-policy.ts). Snowflake and Databricks offer no catalog of
// side effects that could be consulted in the same request, so there these lists are the rule (and
// the README lists each entry's reason):
//  - Snowflake SYSTEM$ functions act on the account (cancel or abort queries and sessions, change
//    tasks, pipes, parameters, send e-mail): every one is refused except the pure readers below.
//    NEXTVAL advances a sequence.
//  - Databricks reflect / java_method / try_reflect run any JVM method; http_request sends HTTP
//    requests (any method) with a connection's stored credentials; secret / try_secret / list_secrets
//    return workspace secrets; ai_* functions send rows to model-serving endpoints and are billed.
type NameRule = { exact: Set<string>; prefixes: string[]; calls?: string[]; allowed?: Set<string> };
const SIDE_EFFECT_FUNCTIONS: Record<SqlDialect, NameRule> = {
  postgres: {
    exact: new Set([
      "set_config", "nextval", "setval",
      "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
      "pg_switch_wal", "pg_promote", "pg_notify", "pg_logical_emit_message",
      "pg_log_backend_memory_contexts", "pg_import_system_collations",
      "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup",
      "pg_wal_replay_pause", "pg_wal_replay_resume", "pg_replication_slot_advance",
      "pg_drop_replication_slot",
      "lo_import", "lo_export", "lo_unlink", "lo_create", "lo_creat", "lo_from_bytea", "lo_put",
      "lo_open", "lowrite", "lo_truncate", "lo_truncate64",
      "pg_read_file", "pg_read_binary_file", "pg_stat_file",
      "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync",
      // These run an arbitrary query given as a string, out of reach of the keyword checks.
      "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
      "cursor_to_xmlschema",
    ]),
    prefixes: [
      "dblink", "pg_advisory_", "pg_try_advisory_", "pg_ls_", "pg_stat_reset", "pg_create_",
      "pg_copy_", "pg_replication_origin_", "pg_logical_slot_",
    ],
  },
  snowflake: {
    exact: new Set(["nextval"]),
    prefixes: ["system$"],
    // Readers: the type of an expression, a table's clustering metadata, a tag's value.
    allowed: new Set(["system$typeof", "system$clustering_information", "system$clustering_depth", "system$get_tag"]),
  },
  databricks: {
    exact: new Set(["reflect", "java_method", "try_reflect", "http_request", "secret", "try_secret", "list_secrets"]),
    prefixes: [],
    calls: ["ai_"],
  },
};

const isSideEffectFunction = (name: string, dialect: SqlDialect, called: boolean) => {
  const rule = SIDE_EFFECT_FUNCTIONS[dialect];
  const lower = name.toUpperCase().toLowerCase();
  if (rule.allowed?.has(lower)) return false;
  return (
    rule.exact.has(lower) ||
    rule.prefixes.some((p) => lower.startsWith(p)) ||
    (called && (rule.calls ?? []).some((p) => lower.startsWith(p)))
  );
};

const isPunct = (t: Token | undefined, value: string) => t?.kind === "punct" && t.value === value;
const isWord = (t: Token | undefined, value: string) => t?.kind === "word" && t.value === value;
const shown = (word: string) => (word.length > 40 ? `${word.slice(0, 40)}…` : word).toUpperCase();

function checkStatement(stmt: Token[], dialect: SqlDialect): void {
  // Balanced parentheses: a stray ")" could close a wrapper the connector puts around the query.
  let depth = 0;
  for (const t of stmt) {
    if (isPunct(t, "(")) depth++;
    else if (isPunct(t, ")")) {
      if (depth === 0) throw refuse("The query has an unbalanced closing parenthesis");
      depth--;
    }
  }
  if (depth !== 0) throw refuse("The query has an unclosed parenthesis");

  // Allow-list of statement kinds.
  let first = 0;
  while (isPunct(stmt[first], "(")) first++;
  const head = stmt[first];
  const allowed = first > 0 ? ALLOWED_IN_PARENS : ALLOWED_FIRST;
  if (!head || head.kind !== "word" || !allowed.has(head.value)) {
    const what = head?.kind === "word" ? `a ${shown(head.value)} statement` : "this statement";
    throw refuse(
      `Only read-only queries are allowed (SELECT, WITH, VALUES, TABLE, SHOW, DESCRIBE, EXPLAIN), not ${what}`,
    );
  }
  if (head.value === "explain" && stmt.some((t) => isWord(t, "analyze") || isWord(t, "analyse"))) {
    throw refuse("EXPLAIN ANALYZE runs the statement and is not allowed");
  }

  for (let i = 0; i < stmt.length; i++) {
    const t = stmt[i]!;
    const next = stmt[i + 1];
    if (t.kind === "word" && FORBIDDEN[dialect].has(t.value)) {
      // Read-only spellings that reuse a forbidden word.
      if (dialect === "snowflake" && t.value === "start" && isWord(next, "with")) continue; // CONNECT BY
      if (dialect === "snowflake" && t.value === "get" && isPunct(next, "(")) continue; // GET(array, i)
      if (t.value === "create" && i === first + 1 && head.value === "show") continue; // SHOW CREATE TABLE
      throw refuse(
        `The keyword ${shown(t.value)} is not allowed in a read-only query (use a quoted identifier if it is a name)`,
      );
    }
    if ((t.kind === "word" || t.kind === "qident") && isSideEffectFunction(t.value, dialect, isPunct(next, "("))) {
      throw refuse(`The function ${t.value.slice(0, 64)} is not allowed in a read-only query`);
    }
    if (dialect === "postgres") {
      if (isWord(t, "for") && (isWord(next, "share") || (isWord(next, "key") && isWord(stmt[i + 2], "share")))) {
        throw refuse("Row locking (FOR SHARE) is not allowed in a read-only query");
      }
      // A custom escape character would let a name hide from the checks above.
      if (isWord(t, "uescape")) throw refuse("UESCAPE is not supported");
    }
    // Snowflake's flow operator ->> chains further statements onto this one.
    if (
      dialect === "snowflake" &&
      isPunct(t, "-") &&
      isPunct(next, ">") &&
      isPunct(stmt[i + 2], ">") &&
      next!.start === t.end &&
      stmt[i + 2]!.start === next!.end
    ) {
      throw refuse("The ->> operator (statement chaining) is not allowed");
    }
  }
}

// Lexes and checks one reading; returns the span of the single statement.
function checkReading(sql: string, opts: LexOptions): { start: number; end: number } {
  const tokens = tokenize(sql, opts);
  const statements: Token[][] = [[]];
  for (const t of tokens) {
    if (isPunct(t, ";")) statements.push([]);
    else statements[statements.length - 1]!.push(t);
  }
  const nonEmpty = statements.filter((s) => s.length > 0);
  if (nonEmpty.length === 0) throw refuse("The query is empty");
  if (nonEmpty.length > 1) throw refuse("Only one statement is allowed per query");
  const stmt = nonEmpty[0]!;
  checkStatement(stmt, opts.dialect);
  return { start: stmt[0]!.start, end: stmt[stmt.length - 1]!.end };
}

const describeReading = (opts: LexOptions, primary: LexOptions) =>
  opts === primary
    ? "once trimmed"
    : opts.backslashInStrings !== primary.backslashInStrings
    ? "if backslashes escape quotes in strings (standard_conforming_strings off)"
    : opts.nestedComments
      ? "if block comments nest"
      : "if block comments do not nest";

/**
 * Checks that `sql` is exactly one read-only statement and returns it without surrounding
 * whitespace, comments and semicolons. Throws ConnectorError("invalid_request") otherwise.
 */
export function assertReadOnly(sql: string, dialect: SqlDialect): string {
  if (typeof sql !== "string") throw refuse("The query must be a string");
  const [primary, ...others] = lexVariants(dialect);
  const span = checkReading(sql, primary!);
  for (const opts of others) {
    try {
      checkReading(sql, opts);
    } catch (err) {
      if (!(err instanceof ConnectorError)) throw err;
      throw refuse(`The query would be read differently ${describeReading(opts, primary!)}: ${err.message}`);
    }
  }
  // The trimmed text must be read the same way, in full, by every reading: otherwise trimming could
  // leave, say, a comment open for an engine that reads it differently.
  const statement = sql.slice(span.start, span.end);
  for (const opts of [primary!, ...others]) {
    let again: { start: number; end: number };
    try {
      again = checkReading(statement, opts);
    } catch (err) {
      if (!(err instanceof ConnectorError)) throw err;
      throw refuse(`The query would be read differently ${describeReading(opts, primary!)}: ${err.message}`);
    }
    if (again.start !== 0 || again.end !== statement.length) {
      throw refuse(`The query would be read differently ${describeReading(opts, primary!)}`);
    }
  }
  return statement;
}

const refuseNul = (s: string, what: string) => {
  if (s.includes("\0")) throw refuse(`The ${what} contains a NUL character`);
};

/** Quotes an identifier: "..." with " doubled (postgres, snowflake), `...` with ` doubled (databricks). */
export function quoteIdent(name: string, dialect: SqlDialect): string {
  if (typeof name !== "string" || name.length === 0) throw refuse("An identifier must not be empty");
  refuseNul(name, "identifier");
  if (dialect === "databricks") return "`" + name.replaceAll("`", "``") + "`";
  return '"' + name.replaceAll('"', '""') + '"';
}

/**
 * Quotes a string literal. Postgres: '...' with ' doubled, or E'...' with backslashes doubled when the
 * value holds a backslash (so the result means the same whatever standard_conforming_strings says).
 * Snowflake and Databricks treat backslash as an escape in '...', so it is doubled; Databricks gets \'
 * for a quote (not every version reads '' as a quote).
 */
export function quoteLiteral(value: string, dialect: SqlDialect): string {
  if (typeof value !== "string") throw refuse("A literal must be a string");
  refuseNul(value, "value");
  switch (dialect) {
    case "postgres":
      return value.includes("\\")
        ? "E'" + value.replaceAll("\\", "\\\\").replaceAll("'", "''") + "'"
        : "'" + value.replaceAll("'", "''") + "'";
    case "snowflake":
      return "'" + value.replaceAll("\\", "\\\\").replaceAll("'", "''") + "'";
    case "databricks":
      return "'" + value.replaceAll("\\", "\\\\").replaceAll("'", "\\'") + "'";
  }
}

// Characters PostgreSQL builds operator names from.
const OPERATOR_CHARS = new Set("+-*/<>=~!@#%^&|`?");
// Operators a statement uses without spelling them: comparisons (IN, BETWEEN, NULLIF, GREATEST, ...)
// and LIKE / ILIKE / SIMILAR TO. Judged too, so that a type's own operator cannot hide behind them.
const IMPLIED_OPERATORS = ["=", "<>", "<", ">", "<=", ">=", "~~", "~~*", "!~~", "!~~*", "~", "!~"];
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const isWordLike = (t: Token) => t.kind === "word" || t.kind === "number";
// Two tokens the server reads as one identifier: only non-ASCII characters between them.
const joinsForServer = (sql: string, a: Token, b: Token) =>
  isWordLike(a) && isWordLike(b) && b.start > a.end && [...sql.slice(a.end, b.start)].every((c) => c.charCodeAt(0) >= 0x80);

/**
 * Every name a postgres statement could call a function by, for the catalog check of
 * pg-function-policy.ts: each identifier in any position (calls, field notation, types in casts), in
 * every spelling the server might fold it to (quoted, U&-decoded, ASCII-folded; the server truncates
 * to 63 bytes itself), and each operator spelling (every substring of a run of operator characters).
 * Collected over every reading of the text, like the checks above. Call after assertReadOnly.
 */
export function postgresCallables(sql: string): { names: string[]; operators: string[] } {
  const names = new Set<string>();
  const operators = new Set<string>(IMPLIED_OPERATORS);
  for (const opts of lexVariants("postgres")) {
    const tokens = tokenize(sql, opts);
    let run = "";
    let runEnd = -1;
    const flush = () => {
      if (run.length > 63) throw refuse("An operator longer than 63 characters is not allowed");
      for (let i = 0; i < run.length; i++) for (let j = i + 1; j <= run.length; j++) operators.add(run.slice(i, j));
      run = "";
    };
    for (const t of tokens) {
      if (t.kind === "punct" && OPERATOR_CHARS.has(t.value)) {
        if (t.start !== runEnd) flush();
        run += t.value;
        runEnd = t.end;
        continue;
      }
      flush();
      runEnd = -1;
      if (t.kind === "word") {
        const raw = sql.slice(t.start, t.end);
        names.add(t.value);
        names.add(asciiLower(raw));
        names.add(raw.toLowerCase());
      } else if (t.kind === "qident") {
        names.add(t.value);
      }
    }
    flush();
    // The server reads every non-ASCII character as part of an identifier, including the spaces that
    // split words here: `ts_stat<NBSP>x` is one name to it. Add those joined spellings too.
    for (let i = 0; i < tokens.length; i++) {
      let j = i;
      while (j + 1 < tokens.length && joinsForServer(sql, tokens[j]!, tokens[j + 1]!)) j++;
      if (j > i && tokens[i]!.kind === "word") {
        const raw = sql.slice(tokens[i]!.start, tokens[j]!.end);
        names.add(asciiLower(raw));
        names.add(raw.toLowerCase());
      }
    }
  }
  return { names: [...names], operators: [...operators] };
}
