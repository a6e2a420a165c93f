import { describe, expect, it } from "vitest";
import { api, expectProblem, newWorkspace, pgConnectionBody, pgCredentialBody } from "../helpers";

const s3Body = (name: string) => ({ name, type: "s3", config: { bucket: "my-bucket", region: "us-east-1" } });

describe("connections CRUD", () => {
  it("creates, reads, lists, updates and deletes", async () => {
    const { token } = await newWorkspace("write");
    const cred = await api("/api/credentials", { method: "POST", token, body: pgCredentialBody() });
    const created = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("Warehouse", { credentialId: cred.json.id }) });
    expect(created.status).toBe(201);
    expect(created.json.id).toMatch(/^conn_[0-9a-z]{21}$/);
    expect(created.headers.get("location")).toBe(`/api/connections/${created.json.id}`);
    expect(created.json.credentialId).toBe(cred.json.id);

    const got = await api(`/api/connections/${created.json.id}`, { token });
    expect(got.json).toEqual(created.json);
    expect(got.headers.get("etag")).toBe('"v1"');

    const updated = await api(`/api/connections/${created.json.id}`, { method: "PUT", token, body: { name: "Warehouse 2", config: { port: 6543, schema: "sales" } } });
    expect(updated.status).toBe(200);
    expect(updated.json.config).toMatchObject({ host: "db.example.com", port: 6543, schema: "sales", database: "analytics" });
    expect(updated.headers.get("etag")).toBe('"v2"');

    const removedKey = await api(`/api/connections/${created.json.id}`, { method: "PUT", token, body: { config: { schema: null } } });
    expect(removedKey.json.config.schema).toBeUndefined();

    const del = await api(`/api/connections/${created.json.id}`, { method: "DELETE", token });
    expect(del.json).toEqual({ id: created.json.id, deleted: true, pausedPipelineIds: [], detachedPipelineIds: [] });
    expectProblem(await api(`/api/connections/${created.json.id}`, { token }), 404, "not_found");
  });

  it("filters by type and case-insensitive name, and paginates with cursors", async () => {
    const { token } = await newWorkspace("write");
    for (let i = 0; i < 5; i++) await api("/api/connections", { method: "POST", token, body: pgConnectionBody(`Sales PG ${i}`) });
    for (let i = 0; i < 3; i++) await api("/api/connections", { method: "POST", token, body: s3Body(`Lake ${i}`) });
    expect((await api("/api/connections?type=s3", { token })).json.data).toHaveLength(3);
    expect((await api("/api/connections?type=POSTGRES", { token })).json.data).toHaveLength(5);
    expect((await api("/api/connections?name=sales%20pg", { token })).json.data).toHaveLength(5);
    expect((await api("/api/connections?name=LAKE%201", { token })).json.data.map((c: any) => c.name)).toEqual(["Lake 1"]);
    expect((await api("/api/connections?name=%25", { token })).json.data).toHaveLength(0);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await api(`/api/connections?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { token });
      expect(res.status).toBe(200);
      seen.push(...res.json.data.map((c: any) => c.id));
      cursor = res.json.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(8);
    expectProblem(await api("/api/connections?cursor=garbage", { token }), 400, "invalid_cursor");
    const keysCursor = (await api("/api/credentials?limit=1", { token })).json.nextCursor;
    if (keysCursor) expectProblem(await api(`/api/connections?cursor=${keysCursor}`, { token }), 400, "invalid_cursor");
  });

  it("keeps names unique per workspace, case-insensitively, also under concurrent creates", async () => {
    const { token } = await newWorkspace("write");
    await api("/api/connections", { method: "POST", token, body: pgConnectionBody("Prod") });
    expectProblem(await api("/api/connections", { method: "POST", token, body: pgConnectionBody("PROD") }), 409, "name_taken");
    const racers = await Promise.all(
      Array.from({ length: 6 }, () => api("/api/connections", { method: "POST", token, body: pgConnectionBody("Race") })),
    );
    expect(racers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racers.filter((r) => r.status === 409)).toHaveLength(5);
    const other = await newWorkspace("write");
    expect((await api("/api/connections", { method: "POST", token: other.token, body: pgConnectionBody("Prod") })).status).toBe(201);
    const b = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("Other") });
    expectProblem(await api(`/api/connections/${b.json.id}`, { method: "PUT", token, body: { name: "prod" } }), 409, "name_taken");
  });

  it("validates config strictly and points secrets to credentials", async () => {
    const { token } = await newWorkspace("write");
    const unknown = await api("/api/connections", { method: "POST", token, body: { name: "x", type: "mysql", config: {} } });
    expectProblem(unknown, 400, "unknown_connector_type");
    expect(unknown.json.detail).toMatch(/postgres, snowflake, databricks, s3/);

    for (const field of ["password", "token", "secretAccessKey", "privateKey", "apiKey", "clientSecret"]) {
      const res = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("x", { config: { host: "h", database: "d", [field]: "shh-value" } }) });
      expectProblem(res, 400, "secret_in_config");
      expect(res.json.detail).toMatch(/credential/);
      expect(res.text).not.toContain("shh-value");
    }
    const extra = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("x", { config: { host: "h", database: "d", options: "-c x=y" } }) });
    expectProblem(extra, 400, "validation_failed");
    expect(extra.json.errors[0].path).toContain("body.config");
    const url = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("x", { config: { host: "postgres://u:p@h/db", database: "d" } }) });
    expectProblem(url, 400, "validation_failed");
    const proxy = await api("/api/connections", {
      method: "POST",
      token,
      body: pgConnectionBody("x", { config: { host: "h", database: "d", webSocketProxy: "wss://u:p@proxy.example.com/?sslmode=disable" } }),
    });
    expectProblem(proxy, 400, "validation_failed");
    expectProblem(await api("/api/connections", { method: "POST", token, body: { ...s3Body("y"), config: { bucket: "Bad_Bucket", region: "us-east-1" } } }), 400);

    const ok = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("good") });
    const merged = await api(`/api/connections/${ok.json.id}`, { method: "PUT", token, body: { config: { port: "not a number" } } });
    expectProblem(merged, 400, "validation_failed");
    expectProblem(await api(`/api/connections/${ok.json.id}`, { method: "PUT", token, body: { config: { host: null } } }), 400);
  });

  it("requires the credential to exist in the workspace and fit the connector type", async () => {
    const { token } = await newWorkspace("write");
    const s3cred = await api("/api/credentials", {
      method: "POST",
      token,
      body: { name: "s3", type: "s3", method: "accessKey", identity: { accessKeyId: "AKIA1" }, secrets: { secretAccessKey: "x-secret" } },
    });
    expectProblem(await api("/api/connections", { method: "POST", token, body: pgConnectionBody("x", { credentialId: s3cred.json.id }) }), 422, "credential_type_mismatch");
    expectProblem(await api("/api/connections", { method: "POST", token, body: pgConnectionBody("x", { credentialId: "cred_000000000aaaaaaaaaaaa" }) }), 422, "credential_not_found");
    const other = await newWorkspace("write");
    const foreign = await api("/api/credentials", { method: "POST", token: other.token, body: pgCredentialBody() });
    expectProblem(await api("/api/connections", { method: "POST", token, body: pgConnectionBody("x", { credentialId: foreign.json.id }) }), 422, "credential_not_found");
  });
});

describe("ETags and idempotency", () => {
  it("honours If-Match on PUT and DELETE", async () => {
    const { token } = await newWorkspace("write");
    const c = await api("/api/connections", { method: "POST", token, body: pgConnectionBody() });
    const id = c.json.id;
    expect((await api(`/api/connections/${id}`, { method: "PUT", token, headers: { "if-match": '"v1"' }, body: { name: "n2" } })).status).toBe(200);
    expectProblem(await api(`/api/connections/${id}`, { method: "PUT", token, headers: { "if-match": '"v1"' }, body: { name: "n3" } }), 412, "precondition_failed");
    expectProblem(await api(`/api/connections/${id}`, { method: "DELETE", token, headers: { "if-match": '"v1"' } }), 412);
    expect((await api(`/api/connections/${id}`, { method: "PUT", token, headers: { "if-match": "*" }, body: { name: "n4" } })).status).toBe(200);
    expect((await api(`/api/connections/${id}`, { method: "DELETE", token, headers: { "if-match": '"v3"' } })).status).toBe(200);
  });

  it("replays a create for the same Idempotency-Key and body, and refuses another body", async () => {
    const { token } = await newWorkspace("write");
    const headers = { "idempotency-key": "create-1" };
    const first = await api("/api/connections", { method: "POST", token, headers, body: pgConnectionBody("idem") });
    const again = await api("/api/connections", { method: "POST", token, headers, body: pgConnectionBody("idem") });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("etag")).toBe(first.headers.get("etag"));
    expect((await api("/api/connections?name=idem", { token })).json.data).toHaveLength(1);
    expectProblem(await api("/api/connections", { method: "POST", token, headers, body: pgConnectionBody("different") }), 422, "idempotency_key_reused");
    // Keys are per workspace.
    const other = await newWorkspace("write");
    expect((await api("/api/connections", { method: "POST", token: other.token, headers, body: pgConnectionBody("idem") })).json.id).not.toBe(first.json.id);
  });

  it("frees the key when the first attempt failed", async () => {
    const { token } = await newWorkspace("write");
    const headers = { "idempotency-key": "k-fail" };
    expectProblem(await api("/api/connections", { method: "POST", token, headers, body: { name: "x", type: "nope", config: {} } }), 400);
    expectProblem(await api("/api/connections", { method: "POST", token, headers, body: { name: "x", type: "nope", config: {} } }), 400, "unknown_connector_type");
  });
});
