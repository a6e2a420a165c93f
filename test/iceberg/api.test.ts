import { describe, expect, it } from "vitest";
import { api, newWorkspace } from "../helpers";
import { validate } from "../schema-validate";
import { servers } from "./helpers";

// The lakehouse engines through the public API: stored credential and connection, the egress guard
// with the connection's own hosts, and answers that match the OpenAPI document (table details on
// columns, warnings on previews, truncated lists).

async function connect(type: "iceberg" | "glue", config: Record<string, unknown>, credential: Record<string, unknown>) {
  const { token } = await newWorkspace("write");
  const cred = await api("/api/credentials", { method: "POST", token, body: { name: "c", type, ...credential } });
  expect(cred.status, cred.text).toBe(201);
  const conn = await api("/api/connections", { method: "POST", token, body: { name: "c", type, config, credentialId: cred.json.id } });
  expect(conn.status, conn.text).toBe(201);
  return { token, id: conn.json.id as string };
}

const scope = (l: string) => `${l}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

describe("lakehouse engines through the API", () => {
  it("iceberg (R2, bearer): columns with table details and a preview with warnings, as documented", async () => {
    const doc = (await api("/openapi.json")).json;
    const { token, id } = await connect(
      "iceberg",
      { catalogUri: `${servers.icebergEndpoint}/r2/${scope("api")}`, warehouse: servers.icebergR2Warehouse },
      { method: "bearer", identity: {}, secrets: { token: servers.icebergBearer } },
    );
    const checked = (path: string, res: { status: number; json: unknown }) => {
      const schema = doc.paths[path].get.responses["200"].content["application/json"].schema;
      expect(validate(doc, schema, res.json)).toEqual([]);
    };
    const cols = await api(`/api/connections/${id}/columns?schema=sales&table=orders`, { token });
    expect(cols.status).toBe(200);
    expect(cols.json.table).toMatchObject({ format: "iceberg", rowCount: 5, currentSnapshotId: "3051729675574597004" });
    expect(cols.json.data[0]).toMatchObject({ name: "order_id", fieldId: 1, primaryKey: true });
    checked("/api/connections/{id}/columns", cols);

    const preview = await api(`/api/connections/${id}/preview?schema=sales&table=refunds&limit=5`, { token });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json.rows).toEqual([["12", "cash", -75]]);
    checked("/api/connections/{id}/preview", preview);
    // A warning: the migrated table's initial-default is not applied.
    const migrated = await api(`/api/connections/${id}/preview?schema=sales&table=migrated&limit=5`, { token });
    expect(migrated.status, migrated.text).toBe(200);
    expect(migrated.json.warnings).toHaveLength(1);
    checked("/api/connections/{id}/preview", migrated);

    const schemas = await api(`/api/connections/${id}/schemas`, { token });
    expect(schemas.json.data.map((s: { name: string }) => s.name)).toEqual(["sales", "sales.eu", "analytics", "empty"]);
    checked("/api/connections/{id}/schemas", schemas);
    const catalogs = await api(`/api/connections/${id}/catalogs`, { token });
    expect(catalogs.json).toMatchObject({ data: [{ name: servers.icebergR2Warehouse, comment: null }], nextCursor: null });
    for (const secret of [servers.icebergBearer!, servers.icebergVendedSecret!, servers.icebergTableToken!]) {
      expect(cols.text + preview.text + schemas.text).not.toContain(secret);
    }
  });

  it("a storage host the catalog vends must be among the connection's hosts", async () => {
    // The catalog is reached by name (localhost), its vended storage endpoint is 127.0.0.1: refused.
    const base = `${servers.icebergEndpoint!.replace("127.0.0.1", "localhost")}/r2/${scope("egress")}`;
    const { token, id } = await connect(
      "iceberg",
      { catalogUri: base, warehouse: servers.icebergR2Warehouse },
      { method: "bearer", identity: {}, secrets: { token: servers.icebergBearer } },
    );
    const cols = await api(`/api/connections/${id}/columns?schema=sales&table=payments`, { token });
    expect(cols.status, cols.text).toBe(200);
    const refused = await api(`/api/connections/${id}/preview?schema=sales&table=payments&limit=1`, { token });
    expect(refused.status).toBe(422);
    expect(refused.json.code).toBe("host_not_allowed");
  });

  it("glue: a repeated NextToken answers truncated: true through the API", async () => {
    const endpoint = `${servers.glueEndpoint}/s/${scope("gapi")}`;
    const { token, id } = await connect(
      "glue",
      { region: servers.glueRegion, endpoint, s3Endpoint: servers.s3Endpoint, s3Addressing: "path" },
      { method: "accessKey", identity: { accessKeyId: servers.s3AccessKeyId }, secrets: { secretAccessKey: servers.s3SecretAccessKey } },
    );
    await fetch(`${endpoint}/__test/control`, { method: "POST", body: JSON.stringify({ repeatToken: true }) });
    const res = await api(`/api/connections/${id}/tables?schema=analytics&limit=1000`, { token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ nextCursor: null, truncated: true });
  });
});
