import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadKeyRing, openSecrets } from "../../src/lib/secrets-crypto";
import { api, apiWith, expectProblem, newWorkspace, pgConnectionBody, pgCredentialBody } from "../helpers";

const K1_ONLY = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

describe("credentials", () => {
  it("creates a credential and never returns or stores a secret in plain text", async () => {
    const { token, workspaceId } = await newWorkspace("write");
    const res = await api("/api/credentials", { method: "POST", token, body: pgCredentialBody() });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: "pg cred", type: "postgres", method: "password", identity: { user: "analyst" } });
    expect(Object.keys(res.json.secrets)).toEqual(["password"]);
    expect(res.json.secrets.password.set).toBe(true);
    expect(res.text).not.toContain("hunter2");
    expect(res.headers.get("etag")).toBe('"v1"');

    const raw = await env.DB.prepare("SELECT * FROM credentials WHERE workspace_id = ?").bind(workspaceId).all();
    const dump = JSON.stringify(raw.results);
    expect(dump).not.toContain("hunter2");
    expect(dump).not.toContain(btoa("hunter2"));
    expect(raw.results[0]!.key_id).toBe("k2");

    for (const path of ["/api/credentials", `/api/credentials/${res.json.id}`]) {
      expect((await api(path, { token })).text).not.toContain("hunter2");
    }
  });

  it("binds ciphertext to its record: copied onto another record it does not decrypt", async () => {
    const { token, workspaceId } = await newWorkspace("write");
    const a = await api("/api/credentials", { method: "POST", token, body: pgCredentialBody("a") });
    const b = await api("/api/credentials", { method: "POST", token, body: pgCredentialBody("b") });
    const rowA = await env.DB.prepare("SELECT ciphertext FROM credentials WHERE id = ?").bind(a.json.id).first<{ ciphertext: string }>();
    const ring = await loadKeyRing(env.ENCRYPTION_KEYS);
    expect(await openSecrets(ring, workspaceId, a.json.id, rowA!.ciphertext)).toEqual({ password: "hunter2-very-secret" });
    await expect(openSecrets(ring, workspaceId, b.json.id, rowA!.ciphertext)).rejects.toThrow(/could not be decrypted/);
    await expect(openSecrets(ring, "ws_other", a.json.id, rowA!.ciphertext)).rejects.toThrow(/could not be decrypted/);
  });

  it("validates type, method and fields, naming fields but not values", async () => {
    const { token } = await newWorkspace("write");
    const unknownType = await api("/api/credentials", { method: "POST", token, body: { ...pgCredentialBody(), type: "oracle" } });
    expectProblem(unknownType, 400, "unknown_connector_type");
    expect(unknownType.json.detail).toContain("postgres, snowflake, databricks, s3");
    expectProblem(await api("/api/credentials", { method: "POST", token, body: { ...pgCredentialBody(), method: "kerberos" } }), 400, "unknown_auth_method");
    const extra = await api("/api/credentials", {
      method: "POST",
      token,
      body: { ...pgCredentialBody(), secrets: { password: "pw-value-1", pin: "1234-secret" } },
    });
    expectProblem(extra, 400, "validation_failed");
    expect(extra.text).not.toContain("1234-secret");
    expect(extra.text).not.toContain("pw-value-1");
    expectProblem(await api("/api/credentials", { method: "POST", token, body: { ...pgCredentialBody(), secrets: {} } }), 400);
  });

  it("rotates only the fields sent, records when each changed, and keeps the rest", async () => {
    const { token, workspaceId } = await newWorkspace("write");
    const created = await api("/api/credentials", {
      method: "POST",
      token,
      body: { name: "s3", type: "s3", method: "accessKey", identity: { accessKeyId: "AKIAEXAMPLE" }, secrets: { secretAccessKey: "old-secret-key", sessionToken: "tok-1" } },
    });
    expect(created.status).toBe(201);
    const before = created.json.secrets;
    await new Promise((r) => setTimeout(r, 5));
    const updated = await api(`/api/credentials/${created.json.id}`, { method: "PUT", token, body: { secrets: { secretAccessKey: "new-secret-key" } } });
    expect(updated.status).toBe(200);
    expect(updated.json.secrets.sessionToken.updatedAt).toBe(before.sessionToken.updatedAt);
    expect(updated.json.secrets.secretAccessKey.updatedAt > before.secretAccessKey.updatedAt).toBe(true);
    const row = await env.DB.prepare("SELECT ciphertext FROM credentials WHERE id = ?").bind(created.json.id).first<{ ciphertext: string }>();
    const ring = await loadKeyRing(env.ENCRYPTION_KEYS);
    expect(await openSecrets(ring, workspaceId, created.json.id, row!.ciphertext)).toEqual({ secretAccessKey: "new-secret-key", sessionToken: "tok-1" });

    const removed = await api(`/api/credentials/${created.json.id}`, { method: "PUT", token, body: { secrets: { sessionToken: null } } });
    expect(Object.keys(removed.json.secrets)).toEqual(["secretAccessKey"]);
    // A required secret cannot be removed.
    expectProblem(await api(`/api/credentials/${created.json.id}`, { method: "PUT", token, body: { secrets: { secretAccessKey: null } } }), 400);
  });

  it("re-encrypts under the newest key without changing the secrets", async () => {
    const { token, workspaceId } = await newWorkspace("admin");
    const old = await apiWith({ ENCRYPTION_KEYS: K1_ONLY }, "/api/credentials", { method: "POST", token, body: pgCredentialBody() });
    expect(old.status).toBe(201);
    const before = await env.DB.prepare("SELECT key_id, ciphertext FROM credentials WHERE id = ?").bind(old.json.id).first<any>();
    expect(before.key_id).toBe("k1");
    const run = await api("/api/credentials/re-encrypt", { method: "POST", token });
    expect(run.json).toEqual({ reencrypted: 1, remaining: false, keyId: "k2" });
    const after = await env.DB.prepare("SELECT key_id, ciphertext FROM credentials WHERE id = ?").bind(old.json.id).first<any>();
    expect(after.key_id).toBe("k2");
    expect(after.ciphertext).not.toBe(before.ciphertext);
    const ring = await loadKeyRing(env.ENCRYPTION_KEYS);
    expect(await openSecrets(ring, workspaceId, old.json.id, after.ciphertext)).toEqual({ password: "hunter2-very-secret" });
    expect((await api("/api/credentials/re-encrypt", { method: "POST", token })).json.reencrypted).toBe(0);
  });

  it("refuses to delete a credential while connections use it, listing them", async () => {
    const { token } = await newWorkspace("write");
    const cred = await api("/api/credentials", { method: "POST", token, body: pgCredentialBody() });
    const conn = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("c", { credentialId: cred.json.id }) });
    const refused = await api(`/api/credentials/${cred.json.id}`, { method: "DELETE", token });
    expectProblem(refused, 409, "credential_in_use");
    expect(refused.json.connectionIds).toEqual([conn.json.id]);
    await api(`/api/connections/${conn.json.id}`, { method: "PUT", token, body: { credentialId: null } });
    expect((await api(`/api/credentials/${cred.json.id}`, { method: "DELETE", token })).json).toEqual({ id: cred.json.id, deleted: true });
    expectProblem(await api(`/api/credentials/${cred.json.id}`, { token }), 404);
  });

  it("names are unique per workspace, case-insensitively", async () => {
    const { token } = await newWorkspace("write");
    await api("/api/credentials", { method: "POST", token, body: pgCredentialBody("Prod") });
    expectProblem(await api("/api/credentials", { method: "POST", token, body: pgCredentialBody("prod") }), 409, "name_taken");
  });
});
