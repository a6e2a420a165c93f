import { describe, expect, it } from "vitest";
import { api, newWorkspace, pgConnectionBody, pgCredentialBody } from "../helpers";

describe("workspace isolation", () => {
  it("answers 404 for every id-taking endpoint with another workspace's ids", async () => {
    const a = await newWorkspace("admin");
    const b = await newWorkspace("admin");
    const cred = (await api("/api/credentials", { method: "POST", token: a.token, body: pgCredentialBody() })).json;
    const conn = (await api("/api/connections", { method: "POST", token: a.token, body: pgConnectionBody("c", { credentialId: cred.id }) })).json;
    const conn2 = (await api("/api/connections", { method: "POST", token: a.token, body: pgConnectionBody("d") })).json;
    const pipe = (await api("/api/pipelines", { method: "POST", token: a.token, body: { name: "p", sourceConnectionId: conn.id, destinationConnectionId: conn2.id } })).json;
    const key = (await api("/api/keys", { method: "POST", token: a.token, body: { name: "k" } })).json;

    const calls: Array<[string, string, unknown?]> = [
      ["GET", `/api/connections/${conn.id}`],
      ["PUT", `/api/connections/${conn.id}`, { name: "stolen" }],
      ["DELETE", `/api/connections/${conn.id}`],
      ["POST", `/api/connections/${conn.id}/test`],
      ["GET", `/api/connections/${conn.id}/tables`],
      ["GET", `/api/connections/tables?connectionId=${conn.id}`],
      ["GET", `/api/connections/columns?connectionId=${conn.id}&schema=public&table=t`],
      ["GET", `/api/connections/${conn.id}/columns?schema=public&table=t`],
      ["GET", `/api/connections/${conn.id}/schemas`],
      ["GET", `/api/connections/${conn.id}/catalogs`],
      ["GET", `/api/connections/${conn.id}/preview?table=t`],
      ["GET", `/api/connections/${conn.id}/files`],
      ["GET", `/api/connections/${conn.id}/cloud-schema?path=a.csv`],
      ["POST", `/api/connections/test-query`, { connectionId: conn.id, sql: "SELECT 1" }],
      ["POST", `/api/connections/databricks/discover`, { connectionId: conn.id }],
      ["GET", `/api/credentials/${cred.id}`],
      ["PUT", `/api/credentials/${cred.id}`, { name: "stolen" }],
      ["DELETE", `/api/credentials/${cred.id}`],
      ["GET", `/api/pipelines/${pipe.id}`],
      ["PUT", `/api/pipelines/${pipe.id}`, { status: "paused" }],
      ["DELETE", `/api/pipelines/${pipe.id}`],
      ["DELETE", `/api/keys/${key.id}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(path, { method, token: b.token, body });
      expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
    }
    // And b cannot attach a's credential or reference a's connections.
    expect((await api("/api/connections", { method: "POST", token: b.token, body: pgConnectionBody("x", { credentialId: cred.id }) })).status).toBe(422);
    expect(
      (await api("/api/pipelines", { method: "POST", token: b.token, body: { name: "p", sourceConnectionId: conn.id, destinationConnectionId: conn2.id } })).status,
    ).toBe(422);
    // Lists show nothing of a's.
    for (const path of ["/api/connections", "/api/credentials", "/api/pipelines"]) {
      expect((await api(path, { token: b.token })).json.data).toEqual([]);
    }
    expect((await api(`/api/connections/${conn.id}`, { token: a.token })).json.name).toBe("c");
  });
});
