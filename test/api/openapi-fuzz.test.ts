import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conformance } from "../conformance";
import { api, newWorkspace, pgConnectionBody, pgCredentialBody } from "../helpers";

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

  it("no random or malformed request makes any route answer 5xx, and every answer (status, headers, body) is in the document", async () => {
    const doc: Doc = (await api("/openapi.json")).json;
    const { token } = await newWorkspace("admin");
    // Real ids so some requests reach deep into the handlers.
    const cred = (await api("/api/credentials", { method: "POST", token, body: pgCredentialBody() })).json;
    // Points at a closed loopback port, so calls that reach the engine fail fast instead of waiting on DNS.
    const config = { host: "127.0.0.1", port: 1, database: "d", transport: "websocket", webSocketProxy: "ws://127.0.0.1:1/" };
    const conn = (await api("/api/connections", { method: "POST", token, body: pgConnectionBody("fuzz", { credentialId: cred.id, config }) })).json;
    const ids = [conn.id, cred.id, "conn_000000000aaaaaaaaaaaa", "x", "%2e%2e"];

    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    let calls = 0;
    for (const { method, path, op } of operations(doc)) {
      const params = (op.parameters ?? []) as Array<{ in: string; name: string; schema?: { enum?: string[] } }>;
      const query = params.filter((p) => p.in === "query").map((p) => p.name);
      const media = Object.keys(op.requestBody?.content ?? {});
      // Bodies: junk, and the operation's own documented examples (valid requests) with junk merged in.
      const examples = Object.values<any>(op.requestBody?.content ?? {}).flatMap((m) => [m.example, ...Object.values<any>(m.examples ?? {}).map((e) => e.value)]).filter(Boolean);
      const body = examples.length
        ? fc.oneof(junkJson, fc.constantFrom(...examples), fc.tuple(fc.constantFrom(...examples), fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 2 })).map(([e, j]) => ({ ...e, ...j })))
        : junkJson;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ids),
          fc.dictionary(fc.constantFrom(...query, "x", "prefix"), fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("1", "true", "s", "0", "-1", "10000")), { maxKeys: 4 }),
          fc.option(body, { nil: undefined }),
          fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }),
          fc.constantFrom(undefined, ...media, "text/plain"),
          fc.constantFrom(undefined, "2026-06-01", "2026-11-01", "1999-01-01"),
          async (id, q, json, withAuth, contentType, version) => {
            calls++;
            const url = path.replace("{id}", encodeURIComponent(id)) + "?" + new URLSearchParams(q as Record<string, string>).toString();
            const sendsBody = !["get", "head"].includes(method) && json !== undefined;
            const headers: Record<string, string> = {};
            if (sendsBody && contentType) headers["content-type"] = contentType;
            if (version) headers["api-version"] = version;
            const res = await api(url, { method: method.toUpperCase(), token: withAuth ? token : undefined, body: sendsBody ? json : undefined, headers, unchecked: true });
            statuses[res.status] = (statuses[res.status] ?? 0) + 1;
            if (res.status >= 500) failures.push(`${method.toUpperCase()} ${url} -> ${res.status} ${res.text.slice(0, 200)}`);
            failures.push(...conformance(doc as any, method, url, res));
          },
        ),
        { numRuns: 60, seed: 20261128 },
      );
    }
    console.log(`[openapi fuzz] ${calls} requests over ${operations(doc).length} operations; statuses ${JSON.stringify(statuses)}`);
    expect([...new Set(failures)]).toEqual([]);
    expect(calls).toBeGreaterThan(2000);
    expect(Object.keys(statuses)).toEqual(expect.arrayContaining(["200", "400", "401", "404", "415"]));
  }, 300_000);
});
