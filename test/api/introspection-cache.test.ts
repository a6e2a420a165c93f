import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { api, apiWith, expectProblem, newWorkspace } from "../helpers";

// Introspection lists answered from the D1 cache: hit vs miss (counted at the Snowflake contract
// server), Age and the body's cache field, ETag and 304, refresh=true and Cache-Control: no-cache,
// and no answer ever crossing a workspace, a config change or a credential rotation.
const s = inject("servers");
let n = 0;

async function setup(extra: Record<string, unknown> = {}) {
  const { token } = await newWorkspace("write");
  const scope = `cache-${Date.now().toString(36)}-${(n++).toString(36)}`;
  const cred = await api("/api/credentials", { method: "POST", token, body: { name: "sf", type: "snowflake", method: "programmaticAccessToken", identity: {}, secrets: { token: s.snowflakePat } } });
  const config = { account: s.snowflakeAccount, warehouse: "TEST_WH", database: "SFDEMO", role: "ANALYST", endpoint: `${s.snowflakeEndpoint}/s/${scope}` };
  const conn = await api("/api/connections", { method: "POST", token, body: { name: "sf", type: "snowflake", config, credentialId: cred.json.id, ...extra } });
  expect(conn.status).toBe(201);
  const requests = async () => ((await (await fetch(`${s.snowflakeEndpoint}/__control/scopes/${scope}`)).json()) as { requests: { total: number } }).requests.total;
  return { token, id: conn.json.id as string, credId: cred.json.id as string, requests };
}

describe("introspection cache", () => {
  it("answers the second read of a page from the cache, with Age, the cache field and the same ETag", async () => {
    const { token, id, requests } = await setup();
    const first = await api(`/api/connections/${id}/schemas`, { token });
    expect(first.status).toBe(200);
    expect(first.json.cache).toEqual({ hit: false, ageSeconds: 0, ttlSeconds: 300 });
    expect(first.headers.get("age")).toBeNull();
    expect(first.headers.get("cache-control")).toBe("private, max-age=300");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await requests()).toBe(1);

    const second = await api(`/api/connections/${id}/schemas`, { token });
    expect(second.json.cache.hit).toBe(true);
    expect(second.json.data).toEqual(first.json.data);
    expect(second.headers.get("etag")).toBe(etag);
    expect(Number(second.headers.get("age"))).toBe(second.json.cache.ageSeconds);
    expect(await requests()).toBe(1);

    // Pages are cached apart: another page size is another entry.
    const other = await api(`/api/connections/${id}/schemas?limit=2`, { token });
    expect(other.json.cache.hit).toBe(false);
    expect(other.json.data).toHaveLength(2);
    expect(await requests()).toBe(2);
  });

  it("counts live reads against the warehouse rate limit, and cache hits not", async () => {
    const { token, id, requests } = await setup();
    const tight = { RL_WAREHOUSE: env.RL_TIGHT, RL_WAREHOUSE_POLICY: "3/60" };
    const path = `/api/connections/${id}/schemas`;
    const first = await apiWith(tight, path, { token });
    expect(first.json.cache.hit).toBe(false);
    expect(first.headers.get("ratelimit-policy")).toContain(`"warehouse";q=3;w=60`);
    // 1 live read + 6 hits would exceed 3 per window however a window boundary split them: no 429
    // means the hits were not counted.
    for (let i = 0; i < 6; i++) {
      const hit = await apiWith(tight, path, { token });
      expect(hit.status, hit.text).toBe(200);
      expect(hit.json.cache.hit).toBe(true);
      expect(hit.headers.get("ratelimit-policy")).toBe(`"metadata";q=100000;w=60`);
    }
    expect(await requests()).toBe(1);
    // Live reads are counted: 8 of them meet the limit in some window.
    let last;
    for (let i = 0; i < 8; i++) {
      last = await apiWith(tight, `${path}?refresh=true`, { token });
      if (last.status === 429) break;
    }
    expectProblem(last!, 429, "rate_limited");
    expect(last!.headers.get("ratelimit")).toMatch(/^"warehouse";r=0;t=\d+$/);
  });

  it("answers 304 to a matching If-None-Match, cached or live", async () => {
    const { token, id } = await setup();
    const first = await api(`/api/connections/${id}/tables?schema=SALES`, { token });
    const etag = first.headers.get("etag")!;
    const same = await api(`/api/connections/${id}/tables?schema=SALES`, { token, headers: { "if-none-match": etag } });
    expect(same.status).toBe(304);
    expect(same.headers.get("etag")).toBe(etag);
    expect(same.text).toBe("");
    const live = await api(`/api/connections/${id}/tables?schema=SALES&refresh=true`, { token, headers: { "if-none-match": `W/${etag}, "other"` } });
    expect(live.status).toBe(304);
    const stale = await api(`/api/connections/${id}/tables?schema=SALES`, { token, headers: { "if-none-match": '"0000"' } });
    expect(stale.status).toBe(200);
    expect(stale.json.data.map((t: any) => t.name)).toEqual(["BIG_ORDERS", "CUSTOMERS", "ORDERS"]);
  });

  it("reads live for refresh=true and Cache-Control: no-cache, and stores the fresh answer", async () => {
    const { token, id, requests } = await setup();
    await api(`/api/connections/${id}/columns?schema=SALES&table=ORDERS`, { token });
    expect(await requests()).toBe(1);
    const refreshed = await api(`/api/connections/${id}/columns?schema=SALES&table=ORDERS&refresh=true`, { token });
    expect(refreshed.json.cache.hit).toBe(false);
    expect(await requests()).toBe(2);
    const noCache = await api(`/api/connections/${id}/columns?schema=SALES&table=ORDERS`, { token, headers: { "cache-control": "no-cache" } });
    expect(noCache.json.cache.hit).toBe(false);
    expect(await requests()).toBe(3);
    const byQuery = await api(`/api/connections/columns?connectionId=${id}&schema=SALES&table=ORDERS`, { token });
    expect(byQuery.json.cache.hit).toBe(true);
    expect(await requests()).toBe(3);
    expectProblem(await api(`/api/connections/${id}/columns?schema=SALES&table=ORDERS&refresh=yes`, { token }), 400);
  });

  it("never serves an answer after a config change or a credential rotation", async () => {
    const { token, id, credId, requests } = await setup();
    await api(`/api/connections/${id}/catalogs`, { token });
    expect((await api(`/api/connections/${id}/catalogs`, { token })).json.cache.hit).toBe(true);
    const put = await api(`/api/connections/${id}`, { method: "PUT", token, body: { config: { schema: "SALES" } } });
    expect(put.status).toBe(200);
    expect((await api(`/api/connections/${id}/catalogs`, { token })).json.cache.hit).toBe(false);
    expect((await api(`/api/connections/${id}/catalogs`, { token })).json.cache.hit).toBe(true);
    const rotate = await api(`/api/credentials/${credId}`, { method: "PUT", token, body: { secrets: { token: s.snowflakePat } } });
    expect(rotate.status).toBe(200);
    expect((await api(`/api/connections/${id}/catalogs`, { token })).json.cache.hit).toBe(false);
    expect(await requests()).toBe(3);
  });

  it("keeps every workspace's answers to itself", async () => {
    const a = await setup();
    expect((await api(`/api/connections/${a.id}/schemas`, { token: a.token })).status).toBe(200);
    const b = await newWorkspace("write");
    expectProblem(await api(`/api/connections/${a.id}/schemas`, { token: b.token }), 404);
    expectProblem(await api(`/api/connections/${a.id}/schemas`, { token: b.token, headers: { "if-none-match": "*" } }), 404);
    expect(await a.requests()).toBe(1);
  });

  it("honours the connection's cacheTtlSeconds: 0 never caches", async () => {
    const { token, id, requests } = await setup({ cacheTtlSeconds: 0 });
    const conn = await api(`/api/connections/${id}`, { token });
    expect(conn.json.cacheTtlSeconds).toBe(0);
    const first = await api(`/api/connections/${id}/schemas`, { token });
    const second = await api(`/api/connections/${id}/schemas`, { token });
    expect([first.json.cache, second.json.cache]).toEqual([
      { hit: false, ageSeconds: 0, ttlSeconds: 0 },
      { hit: false, ageSeconds: 0, ttlSeconds: 0 },
    ]);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(await requests()).toBe(2);
    expectProblem(await api(`/api/connections/${id}`, { method: "PUT", token, body: { cacheTtlSeconds: 86_401 } }), 400);
  });
});
