import { describe, expect, it } from "vitest";
import type { ConnectorSession } from "../../src/connectors/types";
import { owner, reader, servers, tcpProxyPort, newTag, counters, withSession } from "./helpers";

// Through a real PgBouncer in transaction mode (test/servers/pgbouncer.ts, 2 server connections per
// pool): every operation works as against the server itself, and sessions that outnumber the pool
// share its server connections without seeing each other's settings or transactions.
const viaBouncer = async (tag = newTag()) => ({ tag, config: { port: await tcpProxyPort(tag, `127.0.0.1:${servers.pgbouncerPort}`) } });

describe("postgres over tcp through PgBouncer (transaction mode)", () => {
  it("runs the connection test and every operation", async () => {
    const { tag, config } = await viaBouncer();
    const out = await withSession("tcp", async (s: ConnectorSession) => {
      const test = await s.test();
      const tables = await s.listTables!({ schema: "sales" }, { limit: 100 });
      const columns = await s.listColumns!({ schema: "sales", table: "orders" }, { limit: 100 });
      const preview = await s.preview!({ schema: "types", table: "all_types", limit: 5 });
      const query = await s.query!({ sql: "SELECT count(*) AS n FROM sales.customers", maxRows: 10, timeoutMs: 5000 });
      // A failed statement, then more work on the same session: nothing is left behind on the pooled connection.
      const failed = await s.query!({ sql: "SELECT 1/0", maxRows: 1, timeoutMs: 5000 }).catch((e: { code?: string }) => e.code);
      const after = await s.query!({ sql: "SELECT current_setting('transaction_read_only') AS ro", maxRows: 1, timeoutMs: 5000 });
      const schemas = await s.listSchemas!({}, { limit: 100 });
      return { test, tables, columns, preview, query, failed, after, schemas };
    }, { config });
    expect(out.test.ok, JSON.stringify(out.test.steps)).toBe(true);
    expect(out.tables.data.map((t) => t.name)).toEqual(expect.arrayContaining(["customers", "orders"]));
    expect(out.columns.data.length).toBeGreaterThan(2);
    expect(out.preview.rows.length).toBeGreaterThan(0);
    expect(out.query.rows).toEqual([[expect.any(String)]]);
    expect(out.failed).toBe("upstream_error");
    expect(out.after.rows).toEqual([["on"]]);
    expect(out.schemas.data.map((x) => x.name)).toContain("sales");
    expect((await counters("tcp", tag)).connections).toBe(1);
  });

  it("keeps sessions apart when they outnumber the pool's server connections", async () => {
    const jobs = Array.from({ length: 6 }, async (_, i) => {
      const { config } = await viaBouncer();
      const creds = i % 2 ? reader() : owner();
      const ms = 1001 + 2 * i; // odd: PostgreSQL shows it in ms, not s
      return withSession("tcp", async (s) => {
        const rs = await s.query!({ sql: "SELECT current_user::text, current_setting('statement_timeout'), pg_sleep(0.05)::text", maxRows: 1, timeoutMs: ms });
        return { expected: [creds.user, `${ms}ms`], got: rs.rows[0]!.slice(0, 2) };
      }, { config, creds });
    });
    for (const r of await Promise.all(jobs)) expect(r.got).toEqual(r.expected);
  });
});
