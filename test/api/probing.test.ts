import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/encoding";
import { addKey, api, expectProblem, newWorkspace, pgCredentialBody } from "../helpers";

// Defects found by probing the API as a write-scope caller would (issue 9, part 3).

describe("every 401 carries WWW-Authenticate", () => {
  it("for a well-formed API key that fails verification, on reads and writes", async () => {
    const { workspaceId, token } = await newWorkspace("admin");
    const { workspaceId: otherWs } = await newWorkspace("admin");
    const last = token.at(-1)!;
    const changed = token.slice(0, -1) + (last === "A" ? "B" : "A");
    const revoked = await addKey(workspaceId, "write");
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE workspace_id = ? AND scope = 'write'").bind(Date.now(), workspaceId).run();
    const expired = await addKey(workspaceId, "read", { expiresAt: Date.now() - 1000 });
    // This workspace's key id and secret, presented as another workspace's key.
    const foreign = token.replace(workspaceId, otherWs);
    for (const [label, bad] of Object.entries({ changed, revoked, expired, foreign })) {
      for (const call of [
        { path: "/api/connections" },
        { path: "/api/credentials/cred_0mia3k8x2abcdefghijkl" },
        { path: "/api/connections", method: "POST", body: { name: "x", type: "postgres", config: { host: "db.example.com", database: "d" } } },
        { path: "/api/keys", method: "POST", body: { name: "k" } },
      ]) {
        const res = await api(call.path, { method: call.method, body: call.body, token: bad });
        expectProblem(res, 401, "invalid_api_key");
        expect(res.headers.get("www-authenticate"), `${label} ${call.method ?? "GET"} ${call.path}`).toBe('Bearer realm="connections-api", error="invalid_token"');
      }
    }
  });
});

describe("config nesting is bounded", () => {
  const deep = (levels: number) => {
    let v: unknown = "x";
    for (let i = 0; i < levels; i++) v = { a: v };
    return v as Record<string, unknown>;
  };

  it("answers 400 config_too_deep, not 500, on every path that takes a config", async () => {
    const { token } = await newWorkspace("write");
    const config = { host: "db.example.com", database: "d", nested: deep(10_000) };
    const created = await api("/api/connections", { method: "POST", token, body: { name: "deep", type: "postgres", config } });
    expectProblem(created, 400, "config_too_deep");
    expect(created.json.detail).toContain("32");
    expectProblem(await api("/api/connections/test", { method: "POST", token, body: { type: "postgres", config } }), 400, "config_too_deep");
    const ok = await api("/api/connections", { method: "POST", token, body: { name: "flat", type: "postgres", config: { host: "db.example.com", database: "d" } } });
    expect(ok.status).toBe(201);
    expectProblem(await api(`/api/connections/${ok.json.id}`, { method: "PUT", token, body: { config: deep(10_000) } }), 400, "config_too_deep");
    expectProblem(await api(`/api/connections/${ok.json.id}/test`, { method: "POST", token, body: { config: deep(10_000) } }), 400, "config_too_deep");
    // Within the bound, the strict schema answers as before.
    expectProblem(await api("/api/connections", { method: "POST", token, body: { name: "d31", type: "postgres", config: { host: "db.example.com", database: "d", n: deep(30) } } }), 400, "validation_failed");
  });
});

describe("hosts that cannot be put into a URL are refused at validation", () => {
  it("Databricks host as a bare IPv6 address is a 400; in brackets it is accepted", async () => {
    const { token } = await newWorkspace("write");
    for (const host of ["::1", "fd00::1", "[fd00::1"]) {
      const config = { host, warehouseId: "abc123" };
      const res = await api("/api/connections", { method: "POST", token, body: { name: `d-${host}`, type: "databricks", config } });
      expectProblem(res, 400, "validation_failed");
      expect(res.json.errors[0]).toMatchObject({ path: "body.config.host" });
      expectProblem(await api("/api/connections/test", { method: "POST", token, body: { type: "databricks", config } }), 400, "validation_failed");
    }
    expect((await api("/api/connections", { method: "POST", token, body: { name: "v6", type: "databricks", config: { host: "[fd00::1]", warehouseId: "abc123" } } })).status).toBe(201);
  });

  it("S3 virtual-host addressing with an IP endpoint is a 400; path addressing is accepted", async () => {
    const { token } = await newWorkspace("write");
    for (const endpoint of ["http://127.0.0.1:9000", "http://[::1]:9000", "http://2130706433:9000", "https://10.1.2.3"]) {
      const config = { bucket: "my-bucket", region: "us-east-1", endpoint, addressing: "virtual" };
      const res = await api("/api/connections", { method: "POST", token, body: { name: `s-${endpoint}`, type: "s3", config } });
      expectProblem(res, 400, "validation_failed");
      expect(res.json.errors[0]).toMatchObject({ path: "body.config.addressing" });
      // The default addressing is virtual.
      const { addressing: _, ...implicit } = config;
      expectProblem(await api("/api/connections/test", { method: "POST", token, body: { type: "s3", config: implicit } }), 400, "validation_failed");
      expect((await api("/api/connections", { method: "POST", token, body: { name: `p-${endpoint}`, type: "s3", config: { ...config, addressing: "path" } } })).status).toBe(201);
    }
  });
});

describe("idempotency fingerprints of credential creates", () => {
  it("are keyed HMACs, not hashes anyone can test guessed secrets against, and still tell bodies apart", async () => {
    const { token, workspaceId } = await newWorkspace("write");
    const body = pgCredentialBody("idem");
    const headers = { "idempotency-key": "idem-1" };
    const first = await api("/api/credentials", { method: "POST", token, body, headers });
    expect(first.status).toBe(201);
    const row = await env.DB.prepare("SELECT fingerprint FROM idempotency_keys WHERE workspace_id = ? AND key = ?").bind(workspaceId, "idem-1").first<{ fingerprint: string }>();
    const unsalted = await sha256Hex(`POST /api/credentials\n${JSON.stringify(body)}`);
    expect(row!.fingerprint).not.toContain(unsalted);
    expect(row!.fingerprint).toMatch(/^k2\.[0-9a-f]{64}$/);
    // Same key and body: replayed. Same key, other secret: refused, not replayed.
    const again = await api("/api/credentials", { method: "POST", token, body, headers });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json.id).toBe(first.json.id);
    const other = await api("/api/credentials", { method: "POST", token, body: { ...body, secrets: { password: "another-secret" } }, headers });
    expectProblem(other, 422, "idempotency_key_reused");
  });
});
