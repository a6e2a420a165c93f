import { neon, NeonDbError } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { ConnectorError } from "../../src/connectors/errors";
import { openHttpTransport } from "../../src/connectors/postgres/http-transport";
import type { ConnectorContext } from "../../src/connectors/types";
import { counters, newTag, owner, reader, servers } from "./helpers";

// The HTTP transport runs on Neon's driver, whose fetch function is a global of the module. Each call
// must still go through its own request's guarded fetch: these tests run calls with different guards
// at the same time, and check the response cap and the error mapping the transport adds.

const target = (creds = owner()) => ({
  host: servers.pgHost!,
  port: Number(servers.pgPort),
  database: servers.pgDatabase!,
  ...creds,
});

/** A real connector context, its guarded fetch wrapped to record the URLs it was asked for. */
function recordingCtx(allowPrivateNetwork: boolean): { ctx: ConnectorContext; urls: string[] } {
  const base = createConnectorContext({ allowPrivateNetwork, timeoutMs: 20000, limits: clampLimits({}) });
  const urls: string[] = [];
  return { ctx: { ...base, fetch: (input, init) => (urls.push(String(input)), base.fetch(input, init)) }, urls };
}

const endpoint = (tag: string) => new URL(`${servers.neonHttpOrigin}/t/${tag}/sql`);
const opts = { readOnlyTransaction: true, timeoutMs: 10000 };

describe("Postgres over HTTP with Neon's driver", () => {
  it("concurrent calls with different guards each use their own (allowed ones pass, refused ones never leave)", async () => {
    const [tagA, tagB] = [newTag(), newTag()];
    const a = recordingCtx(true);
    const b = recordingCtx(false); // the real guard: loopback is a private network, refused
    const ta = openHttpTransport(endpoint(tagA), target(owner()), a.ctx);
    const tb = openHttpTransport(endpoint(tagB), target(reader()), b.ctx);
    // Interleaved: every A call is still in flight (pg_sleep) while the B calls start.
    const calls = [0, 1, 2].flatMap((i) => [
      ta.query("SELECT current_user, $1::int AS i, pg_sleep(0.2)", [i], opts),
      tb.query("SELECT current_user", [], opts),
    ]);
    const settled = await Promise.allSettled(calls);
    const aResults = settled.filter((_, i) => i % 2 === 0);
    const bResults = settled.filter((_, i) => i % 2 === 1);
    expect(aResults.map((r) => r.status === "fulfilled" && r.value.rows[0]!.slice(0, 2))).toEqual([
      [owner().user, "0"],
      [owner().user, "1"],
      [owner().user, "2"],
    ]);
    for (const r of bResults) {
      expect(r.status).toBe("rejected");
      const err = (r as PromiseRejectedResult).reason;
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).code).toBe("host_not_allowed");
    }
    expect(a.urls).toEqual([0, 1, 2].map(() => endpoint(tagA).href));
    expect(b.urls).toEqual([0, 1, 2].map(() => endpoint(tagB).href));
    expect((await counters("http", tagA)).requests).toBe(3);
    expect((await counters("http", tagB)).requests).toBe(0);
  });

  it("two allowed guards at once: each call's request carries its own credentials and goes to its own endpoint", async () => {
    const [tagA, tagB] = [newTag(), newTag()];
    const a = recordingCtx(true);
    const b = recordingCtx(true);
    const ta = openHttpTransport(endpoint(tagA), target(owner()), a.ctx);
    const tb = openHttpTransport(endpoint(tagB), target(reader()), b.ctx);
    const sql = "SELECT current_user, pg_sleep(0.1)";
    const results = await Promise.all([ta.query(sql, [], opts), tb.query(sql, [], opts), ta.query(sql, [], opts), tb.query(sql, [], opts)]);
    expect(results.map((r) => r.rows[0]![0])).toEqual([owner().user, reader().user, owner().user, reader().user]);
    expect(a.urls).toEqual([endpoint(tagA).href, endpoint(tagA).href]);
    expect(b.urls).toEqual([endpoint(tagB).href, endpoint(tagB).href]);
  });

  it("the driver used without a call's guarded fetch fetches nothing", async () => {
    const tag = newTag();
    // The transport module is loaded (it installs the dispatching fetch function); this call bypasses it.
    const conn = `postgresql://${owner().user}:${encodeURIComponent(owner().password)}@${servers.pgHost}:${servers.pgPort}/${servers.pgDatabase}`;
    const err = await neon(conn)
      .query("SELECT 1", [], { fetchOptions: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeonDbError);
    const source = (err as NeonDbError).sourceError;
    expect(source).toBeInstanceOf(ConnectorError);
    expect((source as ConnectorError).code).toBe("host_not_allowed");
    expect((await counters("http", tag)).requests).toBe(0);
  });

  it("caps the response at 16 MiB", async () => {
    const { ctx } = recordingCtx(true);
    const t = openHttpTransport(new URL(`${servers.httpFixtureUrl}/big?bytes=${17 * 1024 * 1024}`), target(), ctx);
    const err = await t.query("SELECT 1", [], opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe("upstream_error");
    expect((err as ConnectorError).message).toBe("The SQL-over-HTTP response exceeded 16777216 bytes");
  });

  it("a 200 that is not JSON and an unexpected status are upstream errors without the password", async () => {
    const { ctx } = recordingCtx(true);
    const notJson = openHttpTransport(new URL(`${servers.httpFixtureUrl}/ok`), target(), ctx);
    await expect(notJson.query("SELECT 1", [], opts)).rejects.toMatchObject({
      code: "upstream_error",
      message: expect.stringMatching(/answered with a body that is not JSON$/),
    });
    const missing = openHttpTransport(new URL(`${servers.httpFixtureUrl}/no-such-path`), target(), ctx);
    const err = (await missing.query("SELECT 1", [], opts).catch((e: unknown) => e)) as ConnectorError;
    expect(err).toMatchObject({ code: "upstream_error", message: expect.stringMatching(/answered HTTP 404/) });
    expect(err.message).not.toContain(owner().password);
  });

  it("an engine error keeps its SQLSTATE and message", async () => {
    const { ctx } = recordingCtx(true);
    const t = openHttpTransport(endpoint(newTag()), target(), ctx);
    const err = (await t.query("SELECT * FROM no_such_table", [], opts).catch((e: unknown) => e)) as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.code).toBe("upstream_error");
    expect(err.detail.engineCode).toBe("42P01");
    expect(err.message).toBe('relation "no_such_table" does not exist');
  });
});
