import { describe, expect, it } from "vitest";
import { api, newWorkspace } from "../helpers";
import { validate } from "../schema-validate";
import { servers } from "./helpers";

// A second, S3 credential named in the config reads the data files of a catalog that vends none
// (iceberg storage.credentialId, glue s3CredentialId), through the public API: the Iceberg contract
// server with vending turned off, the SigV4-checking S3 test server with a key pair made for this
// file (so its requests can be counted), and the recorder on 127.0.0.2 as a storage host nobody approved.

type Recorded = { connections: number; entries: string[] };
const recorded = async () => (await (await fetch(servers.recorderLogUrl!)).json()) as Recorded;
const s3Key = async () => (await (await fetch(`${servers.s3StatsUrl}/keys`, { method: "POST" })).json()) as { accessKeyId: string; secretAccessKey: string };
const s3Requests = async (akid: string) => ((await (await fetch(`${servers.s3StatsUrl}/stats?akid=${akid}`)).json()) as { requests: number }).requests;
const scope = (l: string) => `${l}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

const PAYMENTS = [
  ["1", "card", 1250],
  ["2", "cash", 399],
  ["3", null, 0],
  ["4", "card", 10001],
  ["5", "transfer", 2147483647],
];

async function credential(token: string, body: Record<string, unknown>) {
  const res = await api("/api/credentials", { method: "POST", token, body: { name: scope("cred"), ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}
const s3Credential = (token: string, key: { accessKeyId: string; secretAccessKey: string }, extra: Record<string, unknown> = {}) =>
  credential(token, { type: "s3", method: "accessKey", identity: { accessKeyId: key.accessKeyId }, secrets: { secretAccessKey: key.secretAccessKey }, ...extra });
const bearerCredential = (token: string, extra: Record<string, unknown> = {}) =>
  credential(token, { type: "iceberg", method: "bearer", identity: {}, secrets: { token: servers.icebergBearer }, ...extra });

// An R2-like catalog (bearer) that never vends storage credentials.
async function nonVendingCatalog() {
  const base = `${servers.icebergEndpoint}/r2/${scope("novend")}`;
  const control = await fetch(`${base}/__test/control`, { method: "POST", body: JSON.stringify({ vend: false }) });
  expect(control.status).toBe(200);
  return base;
}
const storage = (credentialId: string, endpoint = servers.s3Endpoint) => ({ credentialId, region: servers.s3Region, endpoint, addressing: "path" });

describe("iceberg and glue: an S3 credential named in the config", () => {
  it("a bearer catalog without vending previews with the named S3 credential (and only then)", async () => {
    const { token } = await newWorkspace("write");
    const doc = (await api("/openapi.json")).json;
    const key = await s3Key();
    const storageId = await s3Credential(token, key);
    const bearerId = await bearerCredential(token);
    const base = await nonVendingCatalog();

    // Without a storage credential: the catalog vends nothing, so there is nothing to read with.
    const bare = await api("/api/connections", { method: "POST", token, body: { name: "bare", type: "iceberg", credentialId: bearerId, config: { catalogUri: base, warehouse: servers.icebergR2Warehouse } } });
    expect(bare.status, bare.text).toBe(201);
    const refused = await api(`/api/connections/${bare.json.id}/preview?schema=sales&table=payments&limit=10`, { token });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.json.code).toBe("capability_not_supported");
    expect(refused.json.detail).toContain("storage.credentialId");

    const config = { catalogUri: base, warehouse: servers.icebergR2Warehouse, storage: storage(storageId) };
    const conn = await api("/api/connections", { method: "POST", token, body: { name: "lake", type: "iceberg", credentialId: bearerId, config } });
    expect(conn.status, conn.text).toBe(201);
    expect(conn.json.config.storage).toEqual({ credentialId: storageId, region: servers.s3Region, endpoint: servers.s3Endpoint, addressing: "path" });
    // The supplier's first use bound the storage credential to the storage host only.
    const cred = await api(`/api/credentials/${storageId}`, { token });
    expect(cred.json.approvedHosts).toEqual([new URL(servers.s3Endpoint!).hostname]);

    const before = await s3Requests(key.accessKeyId);
    const preview = await api(`/api/connections/${conn.json.id}/preview?schema=sales&table=payments&limit=10`, { token });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json.rows).toEqual(PAYMENTS);
    expect(preview.json).toMatchObject({ rowCount: 5, truncated: false });
    const schema = doc.paths["/api/connections/{id}/preview"].get.responses["200"].content["application/json"].schema;
    expect(validate(doc, schema, preview.json)).toEqual([]);
    // Every storage GET was signed with the named key (the S3 server verified each signature).
    expect((await s3Requests(key.accessKeyId)) - before).toBe(preview.json.requests);
    expect(preview.json.requests).toBe(4); // manifest list, manifest, one GET per (small) data file

    // The same settings through the settings test (not saved) reach the catalog too.
    const tested = await api("/api/connections/test", { method: "POST", token, body: { type: "iceberg", credentialId: bearerId, config } });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.json.ok, tested.text).toBe(true);

    // A wrong secret in the named credential: S3 refuses the signature, the preview fails clearly.
    const wrongId = await s3Credential(token, { accessKeyId: key.accessKeyId, secretAccessKey: "wrong-secret-0123456789abcdefghij" });
    const wrong = await api("/api/connections", { method: "POST", token, body: { name: "wrong", type: "iceberg", credentialId: bearerId, config: { ...config, storage: storage(wrongId) } } });
    expect(wrong.status, wrong.text).toBe(201);
    const denied = await api(`/api/connections/${wrong.json.id}/preview?schema=sales&table=payments&limit=10`, { token });
    // Upstream refusals are 502 problems with the engine's code (as for the s3 engine).
    expect(denied.status, denied.text).toBe(502);
    expect(denied.json.code).toMatch(/^(auth_failed|permission_denied)$/);

    const texts = [conn.text, cred.text, preview.text, tested.text, denied.text, refused.text, (await api(`/api/connections/${conn.json.id}`, { token })).text];
    for (const secret of [key.secretAccessKey, "wrong-secret-0123456789abcdefghij", servers.icebergBearer!]) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
  });

  it("keys the catalog vends take precedence over the named credential", async () => {
    const { token } = await newWorkspace("write");
    const key = await s3Key();
    // A named credential whose secret S3 would refuse: if it were used, the preview would fail.
    const wrongId = await s3Credential(token, { accessKeyId: key.accessKeyId, secretAccessKey: "wrong-secret-vended-test-0123456789" });
    const bearerId = await bearerCredential(token);
    const config = { catalogUri: `${servers.icebergEndpoint}/r2/${scope("vend")}`, warehouse: servers.icebergR2Warehouse, storage: storage(wrongId) };
    const conn = await api("/api/connections", { method: "POST", token, body: { name: "vending", type: "iceberg", credentialId: bearerId, config } });
    expect(conn.status, conn.text).toBe(201);
    const preview = await api(`/api/connections/${conn.json.id}/preview?schema=sales&table=payments&limit=10`, { token });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json.rows).toEqual(PAYMENTS);
    expect(await s3Requests(key.accessKeyId)).toBe(0);
    for (const secret of ["wrong-secret-vended-test-0123456789", servers.icebergVendedSecret!]) expect(preview.text).not.toContain(secret);
  });

  it("another workspace's credential reads as not found, like an id that does not exist", async () => {
    const other = await newWorkspace("write");
    const foreignId = await s3Credential(other.token, await s3Key());
    const { token } = await newWorkspace("write");
    const bearerId = await bearerCredential(token);
    const base = await nonVendingCatalog();
    const answers = [];
    for (const id of [foreignId, "cred_000000000000000000000"]) {
      const config = { catalogUri: base, warehouse: servers.icebergR2Warehouse, storage: storage(id) };
      const created = await api("/api/connections", { method: "POST", token, body: { name: scope("c"), type: "iceberg", credentialId: bearerId, config } });
      const tested = await api("/api/connections/test", { method: "POST", token, body: { type: "iceberg", credentialId: bearerId, config } });
      for (const res of [created, tested]) {
        expect(res.status, res.text).toBe(422);
        expect(res.json.code).toBe("credential_not_found");
        expect(res.text).not.toContain("accessKeyId");
        expect(res.text).not.toContain(other.workspaceId ?? "ws_none");
      }
      expect(created.json.errors).toEqual([{ path: "body.config.storage.credentialId", message: "no such credential" }]);
      answers.push(created.json.detail.replace(id, "<id>"));
    }
    expect(answers[0]).toBe(answers[1]);
  });

  it("a credential of the wrong type is refused with 422 at the config path", async () => {
    const { token } = await newWorkspace("write");
    const bearerId = await bearerCredential(token);
    const base = await nonVendingCatalog();
    const config = { catalogUri: base, warehouse: servers.icebergR2Warehouse, storage: storage(bearerId) };
    const res = await api("/api/connections", { method: "POST", token, body: { name: "c", type: "iceberg", credentialId: bearerId, config } });
    expect(res.status, res.text).toBe(422);
    expect(res.json.code).toBe("credential_type_mismatch");
    expect(res.json.errors[0].path).toBe("body.config.storage.credentialId");
    // Not a credential id at all: the config schema refuses it (400).
    const bad = await api("/api/connections", { method: "POST", token, body: { name: "c", type: "iceberg", credentialId: bearerId, config: { ...config, storage: { ...config.storage, credentialId: "arn:aws:iam::1:role/x" } } } });
    expect(bad.status, bad.text).toBe(400);
  });

  it("a storage host the S3 credential is not approved for: 403 host_not_approved, nothing sent", async () => {
    const { token } = await newWorkspace("write");
    const key = await s3Key();
    // Approved for the S3 test server's host only.
    const storageId = await s3Credential(token, key, { approvedHosts: [new URL(servers.s3Endpoint!).hostname] });
    // The catalog credential may go to both hosts: only the storage credential is at issue here.
    const bearerId = await bearerCredential(token, { approvedHosts: [new URL(servers.icebergEndpoint!).hostname, "127.0.0.2"] });
    const base = await nonVendingCatalog();
    const good = { catalogUri: base, warehouse: servers.icebergR2Warehouse, storage: storage(storageId) };
    const conn = await api("/api/connections", { method: "POST", token, body: { name: "lake", type: "iceberg", credentialId: bearerId, config: good } });
    expect(conn.status, conn.text).toBe(201);

    const before = await recorded();
    const attack = { ...good, storage: storage(storageId, servers.recorderOrigin) };
    const answers = [
      await api("/api/connections", { method: "POST", token, body: { name: "attack", type: "iceberg", credentialId: bearerId, config: attack } }),
      await api("/api/connections/test", { method: "POST", token, body: { type: "iceberg", credentialId: bearerId, config: attack } }),
      await api(`/api/connections/${conn.json.id}`, { method: "PUT", token, body: { config: { storage: { endpoint: servers.recorderOrigin } } } }),
      await api(`/api/connections/${conn.json.id}/test`, { method: "POST", token, body: { config: { storage: { endpoint: servers.recorderOrigin } } } }),
    ];
    for (const res of answers) {
      expect(res.status, res.text).toBe(403);
      expect(res.json.code).toBe("host_not_approved");
      expect(res.json.hosts).toEqual(["127.0.0.2"]);
      expect(res.json.credentialId).toBe(storageId);
      expect(res.text).not.toContain(key.secretAccessKey);
    }
    const after = await recorded();
    expect(after.connections).toBe(before.connections);
    expect(after.entries.length).toBe(before.entries.length);
    // The stored config is unchanged and still previews from the approved host.
    const stored = await api(`/api/connections/${conn.json.id}`, { token });
    expect(stored.json.config.storage.endpoint).toBe(servers.s3Endpoint);
    const preview = await api(`/api/connections/${conn.json.id}/preview?schema=sales&table=payments&limit=2`, { token });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json.rows).toEqual(PAYMENTS.slice(0, 2));
  });

  it("glue: s3CredentialId reads S3 with the named key instead of the Glue key pair", async () => {
    const { token } = await newWorkspace("write");
    const glueId = await credential(token, { type: "glue", method: "accessKey", identity: { accessKeyId: servers.s3AccessKeyId }, secrets: { secretAccessKey: servers.s3SecretAccessKey } });
    const key = await s3Key();
    const storageId = await s3Credential(token, key);
    const endpoint = `${servers.glueEndpoint}/s/${scope("gstore")}`;
    const config = { region: servers.glueRegion, endpoint, s3Endpoint: servers.s3Endpoint, s3Addressing: "path", s3CredentialId: storageId };
    const conn = await api("/api/connections", { method: "POST", token, body: { name: "glue", type: "glue", credentialId: glueId, config } });
    expect(conn.status, conn.text).toBe(201);
    const before = await s3Requests(key.accessKeyId);
    const preview = await api(`/api/connections/${conn.json.id}/preview?schema=sales&table=payments_iceberg&limit=3`, { token });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json.rows).toEqual(PAYMENTS.slice(0, 3));
    // The metadata file and the snapshot's files were all read with the named key.
    expect((await s3Requests(key.accessKeyId)) - before).toBe(preview.json.requests + 1);

    // The S3 test server's denied key as the storage credential: S3 refuses it, so the named key is what S3 sees.
    const deniedId = await s3Credential(token, { accessKeyId: servers.s3DeniedAccessKeyId!, secretAccessKey: servers.s3DeniedSecretAccessKey! });
    const denied = await api(`/api/connections/${conn.json.id}`, { method: "PUT", token, body: { config: { s3CredentialId: deniedId } } });
    expect(denied.status, denied.text).toBe(200);
    const refused = await api(`/api/connections/${conn.json.id}/preview?schema=sales&table=orders_parquet&limit=3`, { token });
    expect(refused.status, refused.text).toBe(502);
    expect(refused.json.code).toBe("permission_denied");
    for (const text of [conn.text, preview.text, denied.text, refused.text]) {
      for (const secret of [key.secretAccessKey, servers.s3DeniedSecretAccessKey!, servers.s3SecretAccessKey!]) expect(text).not.toContain(secret);
    }
  });
});
