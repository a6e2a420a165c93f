import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { api, apiWith, expectProblem, newWorkspace } from "../helpers";

// The reference endpoints end to end (HTTP -> service -> connector -> real PostgreSQL) over both
// transports. Connector details are covered in test/postgres; this checks the API contract.
const s = inject("servers");
const MODES = {
  websocket: () => ({ transport: "websocket", webSocketProxy: s.wsProxyUrl }),
  http: () => ({ transport: "http", httpEndpoint: `${s.neonHttpOrigin}/sql` }),
};

async function setup(mode: keyof typeof MODES, password = s.pgPassword!) {
  const { token, workspaceId } = await newWorkspace("write");
  const cred = await api("/api/credentials", {
    method: "POST",
    token,
    body: { name: "pg", type: "postgres", method: "password", identity: { user: s.pgUser }, secrets: { password } },
  });
  const config = { host: s.pgHost, port: Number(s.pgPort), database: s.pgDatabase, sslMode: "disable", ...MODES[mode]() };
  const conn = await api("/api/connections", { method: "POST", token, body: { name: "pg", type: "postgres", config, credentialId: cred.json.id } });
  expect(conn.status).toBe(201);
  return { token, workspaceId, id: conn.json.id as string, config };
}

for (const mode of ["websocket", "http"] as const) {
  describe(`postgres over ${mode}: the reference endpoints`, () => {
    it("tests a saved connection and settings with an inline credential that is never stored", async () => {
      const { token, workspaceId, id, config } = await setup(mode);
      const saved = await api(`/api/connections/${id}/test`, { method: "POST", token });
      expect(saved.status).toBe(200);
      expect(saved.json.ok).toBe(true);
      expect(saved.json.steps.map((st: any) => [st.name, st.status])).toEqual([
        ["connect", "passed"],
        ["authenticate", "passed"],
        ["authorize", "passed"],
        ["sample", "passed"],
      ]);
      expect(saved.json.serverVersion).toMatch(/18/);

      const before = await env.DB.prepare("SELECT count(*) AS n FROM credentials WHERE workspace_id = ?").bind(workspaceId).first<{ n: number }>();
      const inline = await api("/api/connections/test", {
        method: "POST",
        token,
        body: { type: "postgres", config, credential: { method: "password", identity: { user: s.pgUser }, secrets: { password: "wrong-password-xyz" } } },
      });
      expect(inline.status).toBe(200);
      expect(inline.json.ok).toBe(false);
      const auth = inline.json.steps.find((st: any) => st.name === "authenticate");
      expect(auth).toMatchObject({ status: "failed", code: "auth_failed" });
      expect(inline.text).not.toContain("wrong-password-xyz");
      const after = await env.DB.prepare("SELECT count(*) AS n FROM credentials WHERE workspace_id = ?").bind(workspaceId).first<{ n: number }>();
      expect(after!.n).toBe(before!.n);
    });

    it("lists catalogs, schemas, tables (paged) and columns, in both path and query forms", async () => {
      const { token, id } = await setup(mode);
      const catalogs = await api(`/api/connections/${id}/catalogs`, { token });
      expect(catalogs.json.data.map((c: any) => c.name)).toContain(s.pgDatabase);
      const schemas = await api(`/api/connections/${id}/schemas?limit=1000`, { token });
      expect(schemas.json.data.map((x: any) => x.name)).toEqual(expect.arrayContaining(["public", "sales", "Mixed Case", 'we"ird']));

      const names: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: any = await api(`/api/connections/${id}/tables?schema=many&limit=120${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token });
        expect(res.status).toBe(200);
        names.push(...res.json.data.map((t: any) => t.name));
        cursor = res.json.nextCursor;
        pages++;
      } while (cursor);
      expect(names.length).toBeGreaterThanOrEqual(300);
      expect(new Set(names).size).toBe(names.length);
      expect(pages).toBe(Math.ceil(names.length / 120) + (names.length % 120 === 0 ? 1 : 0));

      const viaQuery = await api(`/api/connections/tables?connectionId=${id}&schema=sales`, { token });
      const viaPath = await api(`/api/connections/${id}/tables?schema=sales`, { token });
      // The same page: the second read is the first's cached answer.
      expect({ ...viaQuery.json, cache: undefined }).toEqual({ ...viaPath.json, cache: undefined });
      expect(viaPath.json.cache.hit).toBe(true);
      expect(viaPath.json.data.map((t: any) => t.name)).toEqual(expect.arrayContaining(["customers", "orders"]));

      const cols = await api(`/api/connections/columns?connectionId=${id}&schema=${encodeURIComponent("Mixed Case")}&table=${encodeURIComponent("Mixed Table")}`, { token });
      expect(cols.json.data.map((c: any) => [c.name, c.position, c.type])).toEqual([
        ["Id", 1, "integer"],
        ["Some Column", 2, "string"],
      ]);
      const colsPath = await api(`/api/connections/${id}/columns?schema=${encodeURIComponent("Mixed Case")}&table=${encodeURIComponent("Mixed Table")}`, { token });
      expect({ ...colsPath.json, cache: undefined }).toEqual({ ...cols.json, cache: undefined });
      expect((await api(`/api/connections/${id}/tables?schema=no_such_schema`, { token })).json).toMatchObject({ data: [], nextCursor: null });
      expectProblem(await api(`/api/connections/${id}/columns?schema=public&table=no_such_table`, { token }), 404);
      expectProblem(await api(`/api/connections/${id}/tables?cursor=${encodeURIComponent(names.length ? "bogus" : "")}`, { token }), 400, "invalid_cursor");
    });

    it("previews rows with the default and a bounded limit", async () => {
      const { token, id } = await setup(mode);
      const res = await api(`/api/connections/${id}/preview?schema=many&table=table_001&limit=2`, { token });
      expect(res.status).toBe(200);
      expect(res.json.columns.map((c: any) => c.name)).toEqual(["id", "label"]);
      expect(res.json.rows.length).toBeLessThanOrEqual(2);
      expectProblem(await api(`/api/connections/${id}/preview?schema=many&table=table_001&limit=1001`, { token }), 400);
      expectProblem(await api(`/api/connections/${id}/preview?schema=public&table=nope`, { token }), 404);
      // columns=: an engine that reads every column is projected after reading
      const projected = await api(`/api/connections/${id}/preview?schema=many&table=table_001&limit=2&columns=label,id`, { token });
      expect(projected.json.columns.map((c: any) => c.name)).toEqual(["label", "id"]);
      expect(projected.json.rows).toEqual(res.json.rows.map((r: unknown[]) => [r[1], r[0]]));
      expectProblem(await api(`/api/connections/${id}/preview?schema=many&table=table_001&columns=nope`, { token }), 422);
      expectProblem(await api(`/api/connections/${id}/preview?schema=many&table=table_001&columns=id,,label`, { token }), 400);
    });

    it("runs read-only test queries with a row cap and refuses writes", async () => {
      const { token, id } = await setup(mode);
      const q = await api("/api/connections/test-query", {
        method: "POST",
        token,
        body: { connectionId: id, sql: "SELECT g AS n, g::bigint * 9007199254740993 AS big FROM generate_series(1, 50) g", maxRows: 10 },
      });
      expect(q.status).toBe(200);
      expect(q.json.rowCount).toBe(10);
      expect(q.json.truncated).toBe(true);
      expect(q.json.rows[0]).toEqual([1, "9007199254740993"]);
      const del = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "DELETE FROM t" } });
      expectProblem(del, 422, "invalid_request");
      const sleepy = await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT pg_sleep(30)", timeoutMs: 500 } });
      expect([504, 502]).toContain(sleepy.status);
      expect(sleepy.json.code).toBe("timeout");
      expectProblem(await api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT 1", maxRows: 10001 } }), 400);
    });

    it("refuses private addresses when ALLOW_PRIVATE_NETWORK is off, as a failed connect step", async () => {
      const { token, id } = await setup(mode);
      const res = await apiWith({ ALLOW_PRIVATE_NETWORK: "false" }, `/api/connections/${id}/test`, { method: "POST", token });
      expect(res.status).toBe(200);
      expect(res.json.ok).toBe(false);
      expect(res.json.steps[0]).toMatchObject({ name: "connect", status: "failed", code: "host_not_allowed" });
      expectProblem(await apiWith({ ALLOW_PRIVATE_NETWORK: "false" }, `/api/connections/${id}/tables`, { token }), 422, "host_not_allowed");
    });

    it("never shows the password or a connection string in any answer", async () => {
      const { token, id } = await setup(mode);
      const answers = await Promise.all([
        api(`/api/connections/${id}`, { token }),
        api(`/api/connections/${id}/test`, { method: "POST", token }),
        api(`/api/connections/${id}/tables?schema=public`, { token }),
        api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT * FROM nope" } }),
        api("/api/connections/test-query", { method: "POST", token, body: { connectionId: id, sql: "SELECT current_setting('nope.x')" } }),
      ]);
      for (const a of answers) {
        expect(a.text).not.toContain(s.pgPassword!);
        expect(a.text).not.toMatch(/postgres(ql)?:\/\//);
      }
      expect(answers[3].status).toBe(502);
    });
  });
}

describe("capabilities", () => {
  it("answers capability_not_supported for operations an engine does not have", async () => {
    const { token, id } = await setup("websocket");
    expectProblem(await api(`/api/connections/${id}/files`, { token }), 422, "capability_not_supported");
    expectProblem(await api(`/api/connections/${id}/cloud-schema?path=x.csv`, { token }), 422, "capability_not_supported");
    expectProblem(await api("/api/connections/databricks/discover", { method: "POST", token, body: { connectionId: id } }), 422, "capability_not_supported");
  });
});
