import { describe, expect, it } from "vitest";
import { openHttpTransport } from "../../src/connectors/postgres/http-transport";
import { openTcpTransport } from "../../src/connectors/postgres/tcp-transport";
import { openWebSocketTransport } from "../../src/connectors/postgres/ws-transport";
import { functionPreflight, preflightRefusal } from "../../src/sql/pg-function-policy";
import { postgresCallables } from "../../src/sql/readonly";
import type { PgTransport } from "../../src/connectors/postgres/transport";
import { api, newWorkspace } from "../helpers";
import { counters, makeCtx, MODES, neonStats, newTag, servers, tcpProxyPort, type Mode } from "./helpers";

// Read-only test queries against a determined caller, through the API, on the real PostgreSQL with
// dblink installed (test/servers/postgres.ts). Functions that run SQL given as text (ts_stat,
// ts_rewrite(tsquery, text)) reach past every keyword check: dblink then writes in a second session
// outside our read-only transaction, and pg_terminate_backend kills the role's other sessions. Each
// attack must be refused with a 422 naming the function, and the database must be as before: rows,
// sequence, the role's other session alive, no locks, no file written. Run for a role that can write
// and for the README's read-only role, over every transport (WebSocket, HTTP, TCP).

const ROLES = {
  writer: () => ({ user: servers.pgUser!, password: servers.pgPassword! }),
  readme: () => ({ user: servers.pgReadOnlyUser!, password: servers.pgReadOnlyPassword! }),
};
type Role = keyof typeof ROLES;

const dsn = (user: string, password: string) =>
  `host=${servers.pgHost} port=${servers.pgPort} dbname=${servers.pgDatabase} user=${user} password=${password}`;
const OWNER_DSN = () => dsn(servers.pgUser!, servers.pgPassword!);
const SUPER_DSN = () => dsn(servers.pgAdminUser!, servers.pgAdminPassword!);
// A fresh path per test (reset()), so that a file written by one attack cannot hide another.
let FILE = "";

// Payloads that act when some function runs them as SQL text.
const DELETE = () => `SELECT to_tsvector(dblink_exec('${OWNER_DSN()}', 'DELETE FROM public.victim'))`;
const NEXTVAL = () => `SELECT to_tsvector(dblink_exec('${OWNER_DSN()}', 'SELECT nextval(''public.victim_seq'')'))`;
const WRITE_FILE = () => `SELECT to_tsvector(dblink_exec('${SUPER_DSN()}', 'COPY (SELECT 1) TO ''${FILE}'''))`;
const TERMINATE =
  "SELECT to_tsvector(pg_terminate_backend(pid)::text) FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid()";
const LOCK = "SELECT to_tsvector(pg_advisory_lock(4242)::text)";
const q = (payload: string) => `$q$${payload}$q$`;

// Why the server's catalog refuses a function (pg-function-policy.ts).
const SQL_TEXT = "it runs SQL given to it as text";
const VOLATILE = "it is volatile";
// Refused earlier, by the tokenizer's name list (kept as a cheap first layer).
const NAME_LIST = "";
// [label, statement, the function the refusal must name, the reason it must give]
const ATTACKS: Array<[string, () => string, string, string]> = [
  ["ts_stat + dblink_exec DELETE (the issue)", () => `SELECT * FROM ts_stat(${q(DELETE())})`, "ts_stat", SQL_TEXT],
  ["ts_stat + pg_terminate_backend (the issue)", () => `SELECT * FROM ts_stat(${q(TERMINATE)})`, "ts_stat", SQL_TEXT],
  ["ts_rewrite(tsquery, text) + dblink_exec DELETE", () => `SELECT ts_rewrite('a'::tsquery, ${q(`SELECT plainto_tsquery(dblink_exec('${OWNER_DSN()}', 'DELETE FROM public.victim')), 'b'::tsquery`)})`, "ts_rewrite", SQL_TEXT],
  ["ts_stat(query, weights)", () => `SELECT * FROM ts_stat(${q(DELETE())}, 'ab')`, "ts_stat", SQL_TEXT],
  ["quoted and schema-qualified", () => `SELECT * FROM "pg_catalog"."ts_stat"(${q(DELETE())})`, "ts_stat", SQL_TEXT],
  ["upper case, qualified", () => `SELECT * FROM PG_CATALOG.TS_STAT(${q(DELETE())})`, "ts_stat", SQL_TEXT],
  ["U& identifier", () => `SELECT * FROM U&"\\0074s_stat"(${q(DELETE())})`, "ts_stat", SQL_TEXT],
  ["U& identifier with a 6-digit escape", () => `SELECT * FROM pg_catalog.U&"ts\\+00005Fstat"(${q(DELETE())})`, "ts_stat", SQL_TEXT],
  ["in a scalar subquery", () => `SELECT (SELECT count(*) FROM ts_stat(${q(DELETE())})) AS n`, "ts_stat", SQL_TEXT],
  ["in a CASE", () => `SELECT CASE WHEN 1 = 1 THEN (SELECT count(*) FROM ts_stat(${q(DELETE())})) ELSE 0 END AS n`, "ts_stat", SQL_TEXT],
  ["in a LATERAL join", () => `SELECT v.x, s.word FROM (VALUES (1)) AS v(x) CROSS JOIN LATERAL ts_stat(${q(DELETE())}) AS s`, "ts_stat", SQL_TEXT],
  ["in a join", () => `SELECT * FROM public.t JOIN ts_stat(${q(DELETE())}) AS s ON true`, "ts_stat", SQL_TEXT],
  ["in ROWS FROM", () => `SELECT * FROM ROWS FROM (ts_stat(${q(DELETE())})) AS s`, "ts_stat", SQL_TEXT],
  ["in ORDER BY", () => `SELECT id FROM public.t ORDER BY (SELECT count(*) FROM ts_stat(${q(DELETE())}))`, "ts_stat", SQL_TEXT],
  ["in a cast", () => `SELECT CAST((SELECT count(*) FROM ts_stat(${q(DELETE())})) AS text)`, "ts_stat", SQL_TEXT],
  ["in a CTE", () => `WITH w AS (SELECT * FROM ts_stat(${q(DELETE())})) SELECT count(*) FROM w`, "ts_stat", SQL_TEXT],
  ["sequence through dblink", () => `SELECT * FROM ts_stat(${q(NEXTVAL())})`, "ts_stat", SQL_TEXT],
  ["file written through dblink", () => `SELECT * FROM ts_stat(${q(WRITE_FILE())})`, "ts_stat", SQL_TEXT],
  ["advisory lock inside ts_stat", () => `SELECT * FROM ts_stat(${q(LOCK)})`, "ts_stat", SQL_TEXT],
  ["pg_terminate_backend called directly (also on the old name list)", () => `SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a WHERE a.usename = current_user AND a.pid <> pg_backend_pid()`, "pg_terminate_backend", NAME_LIST],
  ["a volatile built-in on no name list (pg_stat_force_next_flush)", () => `SELECT pg_catalog."pg_stat_force_next_flush"()`, "pg_stat_force_next_flush", VOLATILE],
];

async function adminTransport(): Promise<PgTransport> {
  const target = { host: servers.pgHost!, port: Number(servers.pgPort), database: servers.pgDatabase!, user: servers.pgAdminUser!, password: servers.pgAdminPassword! };
  return openWebSocketTransport(new URL(`${servers.wsProxyUrl}/t/admin-${newTag()}`), target, makeCtx());
}

const STATE_SQL = () =>
  "SELECT (SELECT count(*) FROM public.victim)::int AS victims, (SELECT last_value FROM public.victim_seq)::int AS seq, " +
  "(SELECT is_called FROM public.victim_seq)::text AS called, " +
  `(pg_stat_file('${FILE}', true)).size AS file, ` +
  "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')::int AS advisory_locks";
const BEFORE = { victims: "3", seq: "7", called: "false", file: null, advisory_locks: "0" };

// The superuser's view, on a connection of its own per call (a held one would outlive its deadline).
const admin = {
  async query(sql: string, params: unknown[], opts: { readOnlyTransaction: boolean; timeoutMs: number }) {
    const t = await adminTransport();
    try {
      return await t.query(sql, params, opts);
    } finally {
      await t.close();
    }
  },
};

// Each test starts from the known state (so that a failure on old code shows each attack's own effect).
async function reset() {
  FILE = `/tmp/connections-api-function-policy-${newTag()}`;
  const opts = { readOnlyTransaction: false, timeoutMs: 5000 };
  await admin.query("INSERT INTO public.victim VALUES (1, 'a'), (2, 'b'), (3, 'c') ON CONFLICT DO NOTHING", [], opts);
  await admin.query("SELECT setval('public.victim_seq', 7, false)", [], opts);
}

async function state() {
  const r = await admin.query(STATE_SQL(), [], { readOnlyTransaction: false, timeoutMs: 5000 });
  return Object.fromEntries(r.fields.map((f, i) => [f.name, r.rows[0]![i]]));
}

async function setup(mode: Mode, role: Role, tag: string) {
  const { token } = await newWorkspace("write");
  const creds = ROLES[role]();
  const cred = await api("/api/credentials", {
    method: "POST",
    token,
    body: { name: "pg", type: "postgres", method: "password", identity: { user: creds.user }, secrets: { password: creds.password } },
  });
  expect(cred.status).toBe(201);
  // tcp goes through the tag's counting TCP proxy.
  const transport =
    mode === "websocket"
      ? { transport: "websocket", webSocketProxy: `${servers.wsProxyUrl}/t/${tag}` }
      : mode === "http"
        ? { transport: "http", httpEndpoint: `${servers.neonHttpOrigin}/t/${tag}/sql` }
        : { transport: "tcp", port: await tcpProxyPort(tag) };
  const config = { host: servers.pgHost, port: Number(servers.pgPort), database: servers.pgDatabase, sslMode: "disable", ...transport };
  const conn = await api("/api/connections", { method: "POST", token, body: { name: "pg", type: "postgres", config, credentialId: cred.json.id } });
  expect(conn.status).toBe(201);
  return { token, id: conn.json.id as string };
}

// A second session of the same role, held open across the attack: pg_terminate_backend must not reach it.
async function heldSession(role: Role): Promise<{ transport: PgTransport; pid: string }> {
  const creds = ROLES[role]();
  const target = { host: servers.pgHost!, port: Number(servers.pgPort), database: servers.pgDatabase!, ...creds };
  const transport = await openWebSocketTransport(new URL(`${servers.wsProxyUrl}/t/held-${newTag()}`), target, makeCtx({ timeoutMs: 60000 }));
  const r = await transport.query("SELECT pg_backend_pid()::text", [], { readOnlyTransaction: false, timeoutMs: 5000 });
  return { transport, pid: r.rows[0]![0]! };
}

for (const mode of MODES) {
  for (const role of Object.keys(ROLES) as Role[]) {
    describe(`function policy over ${mode}, ${role} role`, () => {
      it.each(ATTACKS)("refuses %s, and the database is unchanged", async (label, sql, fn, reason) => {
        const tag = newTag();
        const { token, id } = await setup(mode, role, tag);
        await reset();
        const held = await heldSession(role);
        try {
          expect(await state()).toEqual(BEFORE);
          const res = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: sql(), timeoutMs: 10000 } });
          const after = await state();
          const alive = await held.transport
            .query("SELECT 1", [], { readOnlyTransaction: false, timeoutMs: 5000 })
            .then((r) => r.rows[0]?.[0] === "1", () => false);
          console.log(`[function policy ${mode} ${role}] ${label} -> ${res.status} ${res.json?.detail ?? ""} | after: ${JSON.stringify(after)} held session alive: ${alive}`);
          expect(res.status, res.text).toBe(422);
          expect(res.headers.get("content-type")).toContain("application/problem+json");
          expect(res.json.code).toBe("invalid_request");
          expect(res.json.detail).toMatch(new RegExp(`^The function ${fn} is not allowed in a read-only query`));
          expect(res.json.detail).toContain(reason);
          // No secret of the dblink strings is echoed back.
          expect(res.text).not.toContain(servers.pgAdminPassword!);
          expect(res.text).not.toContain(servers.pgPassword!);
          expect(after).toEqual(BEFORE);
          // The held session of the same role is alive and answers.
          expect(alive).toBe(true);
          const seen = await admin.query("SELECT count(*)::int FROM pg_stat_activity WHERE pid = $1", [held.pid], { readOnlyTransaction: false, timeoutMs: 5000 });
          expect(seen.rows).toEqual([["1"]]);
        } finally {
          await held.transport.close();
        }
      });
    });
  }

  describe(`function policy over ${mode}: harmless statements`, () => {
    const allowed: Array<[string, string, unknown[][]]> = [
      [
        "allow-listed volatile built-ins",
        "SELECT random() < 1 AS r, clock_timestamp() IS NOT NULL AS c, length(gen_random_uuid()::text) AS u, timeofday() <> '' AS t, (SELECT 1 FROM pg_sleep(0)) AS s, pg_relation_size('public.t') >= 0 AS size",
        [[true, true, 36, true, 1, true]],
      ],
      ["stable and immutable functions", "SELECT lower('AbC') AS l, upper(v) AS u, now() <= now() AS n, current_setting('TimeZone') AS tz FROM public.t WHERE id = 1", [["abc", "ONE", true, "UTC"]]],
      ["aggregates, operators, casts", "SELECT count(*)::int AS n, string_agg(v, ',' ORDER BY id) AS vs, sum(id) + 1 AS s, '2024-01-02'::date - '2024-01-01'::date AS d FROM public.t", [[3, "one,two,three", "7", 1]]],
      ["TABLESAMPLE", "SELECT count(*)::int AS n FROM public.t TABLESAMPLE BERNOULLI (100)", [[3]]],
      ["the XML functions that take no SQL", "SELECT xmlelement(name a, 'x')::text AS x", [["<a>x</a>"]]],
      ["a column named like a volatile built-in", 'SELECT 1 AS "random", 2 AS pg_sleep', [[1, 2]]],
    ];
    it.each(allowed)("runs %s", async (_label, sql, rows) => {
      const tag = newTag();
      const { token, id } = await setup(mode, "readme", tag);
      const res = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql } });
      expect(res.status, res.text).toBe(200);
      expect(res.json.rows).toEqual(rows);
    });

    it("refuses volatile functions outside the allow-list with the reason, and sequences stay unchanged", async () => {
      const { token, id } = await setup(mode, "writer", newTag());
      await reset();
      const res = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT pg_catalog.setseed(0.5)" } });
      expect(res.status).toBe(422);
      expect(res.json.detail).toMatch(/function setseed is not allowed in a read-only query: it is volatile/);
      const sqlText = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT table_to_xml('public.t', true, false, '')" } });
      expect(sqlText.status).toBe(422);
      expect(sqlText.json.detail).toMatch(/function table_to_xml is not allowed in a read-only query: it runs SQL given to it as text/);
      expect(await state()).toEqual(BEFORE);
    });

    it("adds no round trip: the check travels with the statement", async () => {
      // Baseline: listing catalogs (one statement, no check) on a fresh connection of its own. HTTP: one
      // request; WebSocket and TCP: the connection's start-up turns plus one.
      const base = newTag();
      const b = await setup(mode, "writer", base);
      expect((await api(`/api/connections/${b.id}/catalogs`, { token: b.token })).status).toBe(200);
      const baseline = (await counters(mode, base)).turns;
      if (mode === "http") expect(baseline).toBe(1);
      for (const [sql, status] of [["SELECT count(*) FROM public.t WHERE random() < 2", 200], [`SELECT * FROM ts_stat(${q(DELETE())})`, 422]] as const) {
        const tag = newTag();
        const { token, id } = await setup(mode, "writer", tag);
        const res = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql } });
        expect(res.status).toBe(status);
        // As many round trips as the baseline: the check adds none.
        expect((await counters(mode, tag)).turns).toBe(baseline);
      }
    });
  });
}

// The catalog check on its own, straight through the transports (no tokenizer name list in front):
// what the old name list refused is refused by what the catalog says each function is.
describe.each(MODES)("the catalog check alone over %s", (mode) => {
  const CASES: Array<[string, RegExp]> = [
    ["SELECT pg_terminate_backend(0)", /function pg_terminate_backend .*volatile/],
    [`SELECT dblink_exec('${"dbname=x"}', 'DELETE FROM public.victim')`, /function dblink_exec .*runs SQL given to it as text/],
    ["SELECT set_config('default_transaction_read_only', 'off', false)", /function set_config .*volatile/],
    ["SELECT nextval('public.victim_seq')", /function nextval .*volatile/],
    ["SELECT query_to_xml('DELETE FROM public.victim', true, false, '')", /function query_to_xml .*runs SQL/],
    ["SELECT lo_import('/etc/passwd')", /function lo_import .*volatile/],
    ["SELECT pg_advisory_lock(1)", /function pg_advisory_lock .*volatile/],
  ];
  it.each(CASES)("%s", async (sql, message) => {
    const tag = newTag();
    const target = { host: servers.pgHost!, port: Number(servers.pgPort), database: servers.pgDatabase!, user: servers.pgUser!, password: servers.pgPassword! };
    const transport =
      mode === "websocket"
        ? await openWebSocketTransport(new URL(`${servers.wsProxyUrl}/t/${tag}`), target, makeCtx())
        : mode === "http"
          ? openHttpTransport(new URL(`${servers.neonHttpOrigin}/t/${tag}/sql`), target, makeCtx())
          : await openTcpTransport(target, "disable", makeCtx());
    await reset();
    try {
      const preflight = functionPreflight(postgresCallables(sql));
      const err = await transport
        .query(sql, [], { readOnlyTransaction: true, timeoutMs: 5000, preflight })
        .then(() => null, (e: unknown) => e);
      const refusal = preflightRefusal(err, preflight);
      expect(refusal?.code).toBe("invalid_request");
      expect(refusal?.message).toMatch(message);
      // The session is still usable, and read-only.
      const ro = await transport.query("SHOW transaction_read_only", [], { readOnlyTransaction: true, timeoutMs: 5000 });
      expect(ro.rows).toEqual([["on"]]);
    } finally {
      await transport.close();
    }
    expect(await state()).toEqual(BEFORE);
  });

  it("sends the check inside the statement's batch, before it", async () => {
    if (mode !== "http") return;
    const tag = newTag();
    const target = { host: servers.pgHost!, port: Number(servers.pgPort), database: servers.pgDatabase!, user: servers.pgUser!, password: servers.pgPassword! };
    const transport = openHttpTransport(new URL(`${servers.neonHttpOrigin}/t/${tag}/sql`), target, makeCtx());
    const sql = "SELECT lower('X') AS l";
    const r = await transport.query(sql, [], { readOnlyTransaction: true, timeoutMs: 5000, withTypes: true, preflight: functionPreflight(postgresCallables(sql)) });
    expect(r.rows).toEqual([["x"]]);
    expect(r.typeRows).toBeDefined();
    const stats = await neonStats(tag);
    // Settings, the check, the statement, the database's own types: one request.
    expect(stats.lastStatements).toHaveLength(4);
    expect((await counters("http", tag)).requests).toBe(1);
    expect(stats.lastStatements[1]).toContain("pg_catalog.pg_proc");
    expect(stats.lastStatements[2]).toBe(sql);
  });
});
