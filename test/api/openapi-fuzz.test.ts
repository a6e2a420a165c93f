import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { api, newWorkspace, pgConnectionBody, pgCredentialBody } from "../helpers";
import { validate } from "../schema-validate";

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant("conn_000000000aaaaaaaaaaaa"),
  fc.constant("../../etc/passwd"),
  fc.constant("' OR 1=1 --"),
  fc.constant("\u0000"),
  fc.constant("😀"),
);
const junkJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 6 }));

function operations(doc: Doc) {
  const ops: Array<{ method: string; path: string; op: any }> = [];
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) ops.push({ method, path, op });
  return ops;
}

describe("OpenAPI document", () => {
  it("is public, OpenAPI 3.1, and covers every endpoint of the reference", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const have = new Set(operations(doc).map((o) => `${o.method.toUpperCase()} ${o.path}`));
    for (const expected of [
      "GET /api/connections",
      "POST /api/connections",
      "GET /api/connections/{id}",
      "PUT /api/connections/{id}",
      "DELETE /api/connections/{id}",
      "POST /api/connections/test",
      "GET /api/connections/{id}/tables",
      "GET /api/connections/{id}/columns",
      "GET /api/connections/{id}/schemas",
      "GET /api/connections/{id}/catalogs",
      "GET /api/connections/{id}/preview",
      "GET /api/connections/{id}/files",
      "GET /api/connections/{id}/cloud-schema",
      "GET /api/connections/tables",
      "GET /api/connections/columns",
      "POST /api/connections/test-query",
      "POST /api/connections/databricks/discover",
      "GET /api/credentials",
      "POST /api/credentials",
      "GET /api/credentials/{id}",
      "PUT /api/credentials/{id}",
      "DELETE /api/credentials/{id}",
      "GET /api/pipelines",
      "POST /api/pipelines",
      "GET /api/keys",
      "POST /api/keys",
      "DELETE /api/keys/{id}",
    ]) {
      expect(have, expected).toContain(expected);
    }
    for (const { op } of operations(doc)) {
      expect(op.security).toEqual([{ bearerAuth: [] }]);
      expect(op.responses["401"]).toBeDefined();
      expect(op.summary).toBeTruthy();
    }
    const docs = await api("/docs");
    expect(docs.status).toBe(200);
    expect(docs.text).toContain("/openapi.json");
  });

  it("no random or malformed request makes any route answer 5xx, and every answer matches the document", async () => {
    const doc: Doc = (await api("/openapi.json")).json;
    const { token } = await newWorkspace("admin");
    // Real ids so some requests reach deep into the handlers.
    const cred = (await api("/api/credentials", { method: "POST", token, body: pgCredentialBody() })).json;
    // Points at a closed loopback port, so calls that reach the engine fail fast instead of waiting on DNS.
    const config = { host: "127.0.0.1", port: 1, database: "d", transport: "websocket", webSocketProxy: "ws://127.0.0.1:1/" };
    const conn = (await api("/api/connections", { method: "POST", token, body: pgConnectionBody("fuzz", { credentialId: cred.id, config }) })).json;
    const ids = [conn.id, cred.id, "conn_000000000aaaaaaaaaaaa", "x", "%2e%2e"];

    const failures: string[] = [];
    let calls = 0;
    for (const { method, path, op } of operations(doc)) {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ids),
          fc.dictionary(fc.constantFrom(...((op.parameters ?? []).filter((p: any) => p.in === "query").map((p: any) => p.name) as string[]), "x"), fc.string({ maxLength: 20 }), { maxKeys: 4 }),
          fc.option(junkJson, { nil: undefined }),
          fc.boolean(),
          async (id, query, body, withAuth) => {
            calls++;
            const url = path.replace("{id}", encodeURIComponent(id)) + "?" + new URLSearchParams(query as Record<string, string>).toString();
            const sendsBody = !["get", "head"].includes(method);
            const res = await api(url, { method: method.toUpperCase(), token: withAuth ? token : undefined, body: sendsBody ? body : undefined });
            const documented = op.responses[String(res.status)];
            const where = `${method.toUpperCase()} ${url} -> ${res.status}`;
            if (res.status >= 500) failures.push(`${where} ${res.text.slice(0, 200)}`);
            else if (!documented) failures.push(`${where}: status not documented`);
            else {
              const [type, media] = Object.entries(documented.content ?? {})[0] ?? [];
              if (type && !res.headers.get("content-type")?.startsWith(type)) failures.push(`${where}: content-type ${res.headers.get("content-type")}`);
              const errors = media ? validate(doc, (media as any).schema, res.json) : [];
              if (errors.length) failures.push(`${where}: ${errors.slice(0, 3).join("; ")}`);
            }
          },
        ),
        { numRuns: 25, seed: 20261128 },
      );
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(500);
  }, 120_000);
});
