import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { addKey, api, apiWith, expectProblem, newWorkspace, pgConnectionBody } from "../helpers";
import { claims, signHs256, signWithJwk } from "../jwt-helpers";

describe("API keys as bearer tokens", () => {
  it("refuses a missing or non-bearer Authorization with 401 and a challenge", async () => {
    for (const headers of [{}, { authorization: "Basic abc" }, { authorization: "Bearer" }] as Record<string, string>[]) {
      const res = await api("/api/connections", { headers });
      expectProblem(res, 401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
  });

  it("refuses a key with a wrong secret, a malformed key, and an unknown key id", async () => {
    const { token } = await newWorkspace("read");
    const wrong = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    expectProblem(await api("/api/connections", { token: wrong }), 401, "invalid_api_key");
    expectProblem(await api("/api/connections", { token: "cak_read_nonsense" }), 401, "invalid_api_key");
    const forged = token.replace(/_key_[0-9a-z]{21}_/, "_key_000000000aaaaaaaaaaaa_");
    expectProblem(await api("/api/connections", { token: forged }), 401, "invalid_api_key");
  });

  it("refuses a token whose claimed scope was edited", async () => {
    const { token } = await newWorkspace("read");
    const edited = token.replace("cak_read_", "cak_admin_");
    expectProblem(await api("/api/connections", { token: edited }), 401);
    expectProblem(await api("/api/connections", { method: "POST", token: edited, body: pgConnectionBody() }), 401);
  });

  it("checks the key even when the request is invalid or the route reads nothing", async () => {
    const { token } = await newWorkspace("admin");
    const wrong = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expectProblem(await api("/api/connections?limit=0", { token: wrong }), 401);
    expectProblem(await api("/api/connections/conn_bad", { token: wrong }), 401);
  });

  it("stops accepting a key once revoked, and after it expires", async () => {
    const { workspaceId, token: admin } = await newWorkspace("admin");
    const created = await api("/api/keys", { method: "POST", token: admin, body: { name: "ci", scope: "read" } });
    expect(created.status).toBe(201);
    expect(created.json.token).toMatch(/^cak_read_/);
    expect((await api("/api/connections", { token: created.json.token })).status).toBe(200);
    expect((await api(`/api/keys/${created.json.id}`, { method: "DELETE", token: admin })).json.revokedAt).toBeTruthy();
    expectProblem(await api("/api/connections", { token: created.json.token }), 401, "invalid_api_key");

    const expiring = await addKey(workspaceId, "read", { expiresAt: Date.now() - 1 });
    expectProblem(await api("/api/connections", { token: expiring }), 401, "invalid_api_key");
  });

  it("stores only a hash of each key", async () => {
    const { token: admin, workspaceId } = await newWorkspace("admin");
    const created = await api("/api/keys", { method: "POST", token: admin, body: { name: "x", scope: "write" } });
    const rows = await env.DB.prepare("SELECT * FROM api_keys WHERE workspace_id = ?").bind(workspaceId).all();
    const dump = JSON.stringify(rows.results);
    expect(dump).not.toContain(created.json.token);
    // The secret is the last 43 characters (base64url, so it may itself contain "_").
    expect(dump).not.toContain(created.json.token.slice(-43));
  });

  it("lists keys without tokens, and refuses expiry in the past", async () => {
    const { token: admin } = await newWorkspace("admin");
    await api("/api/keys", { method: "POST", token: admin, body: { name: "a" } });
    const list = await api("/api/keys", { token: admin });
    expect(list.status).toBe(200);
    expect(list.json.data.length).toBe(2);
    expect(JSON.stringify(list.json)).not.toContain("cak_");
    expectProblem(await api("/api/keys", { method: "POST", token: admin, body: { name: "b", expiresAt: "2000-01-01T00:00:00Z" } }), 400);
  });

  it("enforces scopes: read cannot write, write cannot manage keys", async () => {
    const { token: read } = await newWorkspace("read");
    expectProblem(await api("/api/connections", { method: "POST", token: read, body: pgConnectionBody() }), 403, "insufficient_scope");
    const { token: write } = await newWorkspace("write");
    expect((await api("/api/connections", { method: "POST", token: write, body: pgConnectionBody() })).status).toBe(201);
    expectProblem(await api("/api/keys", { token: write }), 403, "insufficient_scope");
    expectProblem(await api("/api/keys", { method: "POST", token: write, body: { name: "x" } }), 403);
  });
});

describe("JWT bearer tokens", () => {
  const ws = () => `ws_jwt_${crypto.randomUUID().slice(0, 8)}`;

  it("accepts HS256 with the right issuer, audience and expiry, scoped to the workspace claim", async () => {
    const workspace = ws();
    const token = await signHs256(claims({ workspace_id: workspace }));
    const created = await api("/api/connections", { method: "POST", token, body: pgConnectionBody() });
    expect(created.status).toBe(201);
    const listed = await api("/api/connections", { token });
    expect(listed.json.data.map((c: any) => c.id)).toEqual([created.json.id]);
  });

  it("refuses expired, not-yet-valid, wrong issuer, wrong audience, bad signature and alg none", async () => {
    const base = { workspace_id: ws() };
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      await signHs256(claims({ ...base, exp: now - 120 })),
      await signHs256(claims({ ...base, nbf: now + 600 })),
      await signHs256(claims({ ...base, iss: "https://evil.test" })),
      await signHs256(claims({ ...base, aud: "someone-else" })),
      await signHs256(claims(base), "another-secret-of-sufficient-length-000000"),
      await signHs256(claims({ ...base, exp: undefined })),
    ];
    const none = `${btoa(JSON.stringify({ alg: "none" })).replace(/=/g, "")}.${btoa(JSON.stringify(claims(base))).replace(/=/g, "")}.`;
    for (const token of [...bad, none, "a.b.c", "not-a-token"]) {
      const res = await api("/api/connections", { token });
      expectProblem(res, 401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("refuses a token without the workspace claim, and one without a scope", async () => {
    expectProblem(await api("/api/connections", { token: await signHs256(claims()) }), 401);
    expectProblem(await api("/api/connections", { token: await signHs256(claims({ workspace_id: ws(), scope: "" })) }), 403);
  });

  it("maps the scope claim: read tokens cannot write", async () => {
    const token = await signHs256(claims({ workspace_id: ws(), scope: "read" }));
    expectProblem(await api("/api/connections", { method: "POST", token, body: pgConnectionBody() }), 403);
  });

  it("accepts RS256 and ES256 tokens verified against the JWKS, and refuses a wrong kid or key", async () => {
    const s = inject("servers");
    const overrides = { JWT_JWKS_URL: s.jwksUrl };
    const rsa = JSON.parse(s.jwtRsaPrivateJwk!);
    const ec = JSON.parse(s.jwtEcPrivateJwk!);
    const workspace = ws();
    for (const token of [
      await signWithJwk("RS256", "rsa-1", rsa, claims({ workspace_id: workspace })),
      await signWithJwk("ES256", "ec-1", ec, claims({ workspace_id: workspace })),
    ]) {
      const res = await apiWith(overrides, "/api/connections", { token });
      expect(res.status).toBe(200);
    }
    // Signed by the EC key but naming the RSA kid, and an RS256 header over an EC signature.
    expectProblem(await apiWith(overrides, "/api/connections", { token: await signWithJwk("ES256", "rsa-1", ec, claims({ workspace_id: workspace })) }), 401);
    expectProblem(await apiWith(overrides, "/api/connections", { token: await signWithJwk("ES256", "unknown", ec, claims({ workspace_id: workspace })) }), 401);
    const expired = await signWithJwk("RS256", "rsa-1", rsa, claims({ workspace_id: workspace, exp: Math.floor(Date.now() / 1000) - 300 }));
    expectProblem(await apiWith(overrides, "/api/connections", { token: expired }), 401);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once the binding's limit is spent", async () => {
    const { token } = await newWorkspace("read");
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof apiWith>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await apiWith({ RL_METADATA: env.RL_TIGHT }, "/api/connections", { token });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expectProblem(last!, 429, "rate_limited");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
