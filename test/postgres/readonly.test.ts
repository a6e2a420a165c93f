import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import { openHttpTransport } from "../../src/connectors/postgres/http-transport";
import { openWebSocketTransport } from "../../src/connectors/postgres/ws-transport";
import type { PgTransport } from "../../src/connectors/postgres/transport";
import { MODES, makeCtx, neonStats, newTag, owner, servers, withSession, type Mode } from "./helpers";

// The read-only guarantee, checked by its effect on the data: every attack is refused or changes
// nothing (rows of t, no t2, sequence s untouched). Run through the connector (guard + engine) and
// again straight through the transports (engine layers alone: read-only transaction, one statement).
const ATTACKS = [
  "DELETE FROM t",
  "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
  "SELECT 1; DELETE FROM t",
  "COMMIT; DELETE FROM t",
  "SELECT $$;$$; DELETE FROM t",
  "SET TRANSACTION READ WRITE",
  "SELECT set_config('default_transaction_read_only','off',false)",
  "SELECT * INTO t2 FROM t",
  "SELECT nextval('s')",
  "DO $$BEGIN DELETE FROM t; END$$",
  "EXPLAIN ANALYZE DELETE FROM t",
  "SET TRANSACTION READ WRITE; DELETE FROM t",
  "SELECT 1 FROM t FOR UPDATE",
];

const STATE_SQL =
  "SELECT (SELECT count(*) FROM public.t)::int AS n, (SELECT string_agg(v, ',' ORDER BY id) FROM public.t) AS vs, " +
  "to_regclass('public.t2')::text AS t2, (SELECT last_value FROM public.s)::int AS seq, (SELECT is_called FROM public.s) AS called";

async function state(mode: Mode) {
  const rs = await withSession(mode, (s) => s.query!({ sql: STATE_SQL, maxRows: 1, timeoutMs: 5000 }));
  return rs.rows[0];
}
const BEFORE = [3, "one,two,three", null, 42, false];

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ran (no effect expected)";
  } catch (err) {
    if (err instanceof ConnectorError) return `refused: ${err.code}${err.detail.engineCode ? ` (${err.detail.engineCode})` : ""}`;
    throw err;
  }
}

function transportFor(mode: Mode): Promise<PgTransport> {
  const target = { host: servers.pgHost!, port: Number(servers.pgPort), database: servers.pgDatabase!, ...owner() };
  const tag = newTag();
  return mode === "websocket"
    ? openWebSocketTransport(new URL(`${servers.wsProxyUrl}/t/${tag}`), target, makeCtx())
    : Promise.resolve(openHttpTransport(new URL(`${servers.neonHttpOrigin}/t/${tag}/sql`), target, makeCtx()));
}

describe.each(MODES)("read-only enforcement over %s", (mode) => {
  it("starts from the known state", async () => {
    expect(await state(mode)).toEqual(BEFORE);
  });

  it.each(ATTACKS)("connector: %s is refused or has no effect", async (sql) => {
    const result = await withSession(mode, (s) => outcome(s.query!({ sql, maxRows: 10, timeoutMs: 5000 })));
    console.log(`[postgres ${mode}] connector ${JSON.stringify(sql)} -> ${result}`);
    expect(result).toMatch(/^refused: invalid_request|^ran/);
    expect(await state(mode)).toEqual(BEFORE);
  });

  it.each(ATTACKS)("engine layers alone (no SQL guard): %s is refused or has no effect", async (sql) => {
    const transport = await transportFor(mode);
    let result: string;
    try {
      result = await outcome(transport.query(sql, [], { readOnlyTransaction: true, timeoutMs: 5000 }));
      // Within the same connection, the session is still read-only afterwards.
      const ro = await transport.query("SHOW transaction_read_only", [], { readOnlyTransaction: true, timeoutMs: 5000 });
      expect(ro.rows).toEqual([["on"]]);
    } finally {
      await transport.close();
    }
    console.log(`[postgres ${mode}] engine-only ${JSON.stringify(sql)} -> ${result}`);
    expect(await state(mode)).toEqual(BEFORE);
  });

  it("stops a long statement with the statement timeout", async () => {
    const started = Date.now();
    const err = await withSession(mode, (s) => s.query!({ sql: "SELECT pg_sleep(600)", maxRows: 1, timeoutMs: 1000 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe("timeout");
    expect((err as ConnectorError).detail.engineCode).toBe("57014");
    expect(Date.now() - started).toBeLessThan(10000);
  });

  it("the session stays usable after a refused statement", async () => {
    await withSession(mode, async (s) => {
      await expect(s.query!({ sql: "SELECT 1/0", maxRows: 1, timeoutMs: 5000 })).rejects.toMatchObject({ code: "upstream_error" });
      // Catalog calls after a failed statement (WebSocket: the failed transaction is rolled back first).
      await expect(s.query!({ sql: "SELECT 1/0", maxRows: 1, timeoutMs: 5000 })).rejects.toMatchObject({ code: "upstream_error" });
      expect((await s.listTables!({ schema: "sales" }, { limit: 10 })).data).toHaveLength(4);
      const rs = await s.query!({ sql: "SELECT 2 AS two", maxRows: 1, timeoutMs: 5000 });
      expect(rs.rows).toEqual([[2]]);
      // Catalog calls after a successful one run inside the still-open read-only transaction.
      expect((await s.listColumns!({ schema: "public", table: "t" }, { limit: 10 })).data).toHaveLength(2);
      expect((await s.query!({ sql: "SHOW transaction_read_only", maxRows: 1, timeoutMs: 5000 })).rows).toEqual([["on"]]);
    });
  });
});

describe("Neon HTTP batch flags", () => {
  it("sends every statement as a read-only batch with the statement timeout set first", async () => {
    const tag = newTag();
    await withSession("http", (s) => s.query!({ sql: "SELECT 1", maxRows: 1, timeoutMs: 1234 }), { tag });
    const stats = await neonStats(tag);
    expect(stats.lastBatchHeaders?.["neon-batch-read-only"]).toBe("true");
    // settings, the catalog check of the statement's functions, the statement, the database's own types
    expect(stats.lastStatements).toHaveLength(4);
    expect(stats.lastStatements[0]).toContain("set_config('statement_timeout', $1, true)");
    expect(stats.lastStatements[1]).toContain("pg_catalog.pg_proc");
    expect(stats.lastStatements[2]).toBe("SELECT * FROM (\nSELECT 1\n) AS q LIMIT 2");
  });
});
