import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { allConnectors } from "../../src/connectors/registry";
import { api, apiWith, expectProblem, newWorkspace, pgConnectionBody, pgCredentialBody } from "../helpers";

// The parts of the HTTP contract every operation shares: registry-driven bodies, strict query
// strings, required bodies and merge patches, versions, rate-limit fields and CORS.

const mergePatch = { "content-type": "application/merge-patch+json" };

describe("bodies are unions over the connector registry", () => {
  it("documents one create/present/test variant per registered engine, its config being the engine's own schema", async () => {
    const doc = (await api("/openapi.json")).json;
    const schemas = doc.components.schemas;
    const variants = (name: string) => schemas[name].oneOf.map((r: any) => r.$ref.split("/").pop());
    const types = allConnectors().map((c) => c.type);
    expect(types.length).toBeGreaterThanOrEqual(4);
    for (const [union, each] of [
      ["CreateConnection", (t: string) => `Create${pascal(t)}Connection`],
      ["Connection", (t: string) => `${pascal(t)}Connection`],
      ["TestConnectionSettings", (t: string) => `Test${pascal(t)}Settings`],
    ] as const) {
      expect(variants(union)).toEqual(types.map(each));
      expect(schemas[union].discriminator.propertyName).toBe("type");
    }
    for (const def of allConnectors()) {
      const create = schemas[`Create${pascal(def.type)}Connection`];
      expect(create.properties.type.enum).toEqual([def.type]);
      expect(create.properties.config.$ref).toBe(`#/components/schemas/${pascal(def.type)}Config`);
      const config = schemas[`${pascal(def.type)}Config`];
      expect(Object.keys(config.properties).sort()).toEqual(Object.keys((def.config as any).shape).sort());
      expect(config.additionalProperties).toBe(false);
      // Every auth method of the engine is a credential variant with its own identity and secrets.
      for (const [method, m] of Object.entries(def.credentials)) {
        const cred = schemas[`Create${pascal(def.type)}${pascal(method)}Credential`];
        expect(cred.properties.method.enum).toEqual([method]);
        expect(Object.keys(cred.properties.secrets.properties).sort()).toEqual(Object.keys(m.secrets.shape).sort());
      }
    }
  });

  it("validates with the engine's schema, with clear paths; secrets in config still point to credentials", async () => {
    const { token } = await newWorkspace("write");
    const typo = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("t", { config: { host: "db", databse: "x" } }) });
    expectProblem(typo, 400, "validation_failed");
    expect(typo.json.errors.map((e: any) => e.path).sort()).toEqual(["body.config", "body.config.database"]);
    const secret = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("t", { config: { host: "db", database: "x", password: "p" } }) });
    expectProblem(secret, 400, "secret_in_config");
    const wrongMethod = await api("/api/credentials", { method: "POST", token, body: { ...pgCredentialBody(), type: "snowflake", method: "password" } });
    expectProblem(wrongMethod, 400, "unknown_auth_method");
    expect(wrongMethod.json.errors).toEqual([{ path: "body.method", message: "must be one of keyPair, programmaticAccessToken, oauth" }]);
    const missingSecret = await api("/api/credentials", { method: "POST", token, body: { name: "d", type: "databricks", method: "oauthM2M", identity: { clientId: "c" }, secrets: {} } });
    expectProblem(missingSecret, 400, "validation_failed");
    expect(missingSecret.json.errors.map((e: any) => e.path)).toEqual(["body.secrets.clientSecret"]);
    const test = await api("/api/connections/test", { method: "POST", token, body: { type: "s3", config: { bucket: "my-bucket", region: "us-east-1", adressing: "path" } } });
    expectProblem(test, 400, "validation_failed");
    expect(test.json.errors.map((e: any) => e.path)).toEqual(["body.config"]);
    expect(test.json.errors[0].message).toContain("adressing");
  });
});

describe("query strings", () => {
  it("refuses parameters an operation does not declare, naming them and the ones it takes", async () => {
    const { token } = await newWorkspace("write");
    const s3 = await api("/api/connections", { method: "POST", token, body: { name: "b", type: "s3", config: { bucket: "my-bucket", region: "us-east-1" } } });
    const files = await api(`/api/connections/${s3.json.id}/files?prefix=shop/`, { token });
    expectProblem(files, 400, "unknown_query_parameter");
    expect(files.json.detail).toContain('"prefix"');
    expect(files.json.detail).toContain("path, delimiter, limit, cursor");
    expect(files.json.errors).toEqual([{ path: "query.prefix", message: "unknown parameter; known: path, delimiter, limit, cursor" }]);
    const none = await api(`/api/connections/${s3.json.id}?expand=credential`, { token });
    expectProblem(none, 400, "unknown_query_parameter");
    expect(none.json.detail).toContain("takes no query parameters");
    expectProblem(await api("/api/credentials?nmae=x&type=s3", { token }), 400, "unknown_query_parameter");
    expect((await api("/api/connections?type=s3&limit=5", { token })).status).toBe(200);
  });

  it("finds connections by any name up to the documented 200 characters (D1 refuses LIKE patterns over 50 bytes)", async () => {
    const { token } = await newWorkspace("write");
    const names = ["a".repeat(49), "日".repeat(17), "x".repeat(200), "100%_sure\\"];
    for (const n of names) expect((await api("/api/connections", { method: "POST", token, body: pgConnectionBody(n) })).status).toBe(201);
    for (const n of names) {
      const res = await api(`/api/connections?name=${encodeURIComponent(n.toUpperCase())}`, { token });
      expect(res.status).toBe(200);
      expect(res.json.data.map((c: any) => c.name)).toEqual([n]);
    }
    expect((await api(`/api/connections?name=${"日".repeat(16)}`, { token })).json.data.map((c: any) => c.name)).toEqual(["日".repeat(17)]);
    expect((await api("/api/connections?name=%25_", { token })).json.data.map((c: any) => c.name)).toEqual(["100%_sure\\"]);
    expectProblem(await api(`/api/connections?name=${"x".repeat(201)}`, { token }), 400, "validation_failed");
  });
});

describe("PUT and PATCH", () => {
  it("PUT without a body is 400 and makes no new version; PATCH takes a JSON Merge Patch", async () => {
    const { token } = await newWorkspace("write");
    const created = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("p", { config: { host: "db", database: "a", schema: "s" } }) });
    const url = `/api/connections/${created.json.id}`;
    expectProblem(await api(url, { method: "PUT", token }), 400, "body_required");
    expectProblem(await api(url, { method: "PATCH", token, headers: mergePatch }), 400, "body_required");
    const empty = await api(url, { method: "PUT", token, body: {} });
    expect(empty.status).toBe(200);
    const after = await api(url, { token });
    expect(after.headers.get("etag")).toBe('"v1"');
    expect(after.json.updatedAt).toBe(created.json.updatedAt);

    const patched = await api(url, { method: "PATCH", token, headers: mergePatch, body: { name: "p2", config: { schema: null, port: 6543 } } });
    expect(patched.status).toBe(200);
    expect(patched.headers.get("etag")).toBe('"v2"');
    expect(patched.json.name).toBe("p2");
    expect(patched.json.config).toEqual({ host: "db", database: "a", port: 6543, sslMode: "require", transport: "auto" });
    expectProblem(await api(url, { method: "PATCH", token, body: { name: "p3" } }), 415, "unsupported_media_type");
    const badPatch = await api(url, { method: "PATCH", token, headers: mergePatch, body: { config: { port: "x" } } });
    expectProblem(badPatch, 400, "validation_failed");
    expect(badPatch.json.errors.map((e: any) => e.path)).toEqual(["body.config.port"]);

    const cred = await api("/api/credentials", { method: "POST", token, body: pgCredentialBody() });
    const credUrl = `/api/credentials/${cred.json.id}`;
    expectProblem(await api(credUrl, { method: "PUT", token }), 400, "body_required");
    const rotated = await api(credUrl, { method: "PATCH", token, headers: mergePatch, body: { secrets: { password: "new-secret-value" } } });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get("etag")).toBe('"v2"');
    expect(JSON.stringify(rotated.json)).not.toContain("new-secret-value");
  });
});

describe("engines without a credential", () => {
  it("answer 422 before contacting anything (Snowflake, Databricks), like Postgres", async () => {
    const { token } = await newWorkspace("write");
    const bodies = [
      { name: "sf", type: "snowflake", config: { account: "acme-x", endpoint: "http://127.0.0.1:1" } },
      { name: "dbx", type: "databricks", config: { host: "127.0.0.1", warehouseId: "abc123", endpoint: "http://127.0.0.1:1" } },
      { name: "pg", type: "postgres", config: { host: "127.0.0.1", port: 1, database: "d" } },
    ];
    for (const body of bodies) {
      const conn = await api("/api/connections", { method: "POST", token, body });
      expect(conn.status).toBe(201);
      const tables = await api(`/api/connections/${conn.json.id}/tables?schema=s`, { token });
      expectProblem(tables, 422, "invalid_request");
      expect(tables.json.detail).toMatch(/needs a .*credential/i);
      const test = await api(`/api/connections/${conn.json.id}/test`, { method: "POST", token });
      expect(test.status).toBe(200);
      expect(test.json.ok).toBe(false);
      expect(test.json.steps[0]).toMatchObject({ status: "failed", code: "invalid_request" });
    }
  });
});

describe("Api-Version", () => {
  it("is validated on every request and the version used is echoed, on errors too", async () => {
    const { token } = await newWorkspace("read");
    const plain = await api("/api/connections", { token });
    expect(plain.headers.get("api-version")).toBe("2026-06-01");
    const latest = await api("/api/credentials", { token, headers: { "api-version": "2026-11-01" } });
    expect(latest.status).toBe(200);
    expect(latest.headers.get("api-version")).toBe("2026-11-01");
    const missing = await api("/api/connections/conn_000000000aaaaaaaaaaaa", { token, headers: { "api-version": "2026-11-01" } });
    expectProblem(missing, 404);
    expect(missing.headers.get("api-version")).toBe("2026-11-01");
    for (const bad of ["2026-11-02", "latest", "2027-01-01"]) {
      const res = await api("/api/pipelines", { token, headers: { "api-version": bad } });
      expectProblem(res, 400, "unsupported_api_version");
      expect(res.json.detail).toContain("2026-06-01, 2026-11-01");
    }
    const doc = (await api("/openapi.json")).json;
    const param = doc.paths["/api/keys"].get.parameters.find((p: any) => p.name === "api-version");
    expect(param.schema.enum).toEqual(["2026-06-01", "2026-11-01"]);
  });
});

describe("rate limits", () => {
  it("announce the policy on every answer and, on a 429, what is left and when the window resets", async () => {
    const { token } = await newWorkspace("read");
    const ok = await api("/api/connections", { token });
    expect(ok.headers.get("ratelimit-policy")).toBe(`"metadata";q=100000;w=60`);
    const tight = { RL_METADATA: env.RL_TIGHT, RL_METADATA_POLICY: "3/60" };
    let last;
    for (let i = 0; i < 8; i++) {
      last = await apiWith(tight, "/api/connections", { token });
      if (last.status === 429) break;
    }
    expectProblem(last!, 429, "rate_limited");
    const retryAfter = Number(last!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last!.headers.get("ratelimit")).toBe(`"metadata";r=0;t=${retryAfter}`);
    expect(last!.headers.get("ratelimit-policy")).toBe(`"metadata";q=3;w=60`);
  });
});

describe("CORS", () => {
  const origin = "https://app.example.com";
  it("is off by default", async () => {
    const res = await api("/api/connections", { headers: { origin } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers preflights and marks answers for the listed origins only", async () => {
    const on = { CORS_ALLOWED_ORIGINS: `${origin}, http://localhost:5173` };
    const preflight = await apiWith(on, "/api/connections", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const { token } = await newWorkspace("read");
    const call = await apiWith(on, "/api/connections", { token, headers: { origin } });
    expect(call.status).toBe(200);
    expect(call.headers.get("access-control-allow-origin")).toBe(origin);
    expect(call.headers.get("access-control-expose-headers")).toContain("ETag");
    const other = await apiWith(on, "/api/connections", { token, headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("the document lists what the platform answers", () => {
  it("413 and 415 on every body-taking operation, 429 with its headers and 500 on all", async () => {
    const doc = (await api("/openapi.json")).json;
    let bodies = 0;
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const where = `${method} ${path}`;
        if (op.requestBody) {
          bodies++;
          expect(op.responses["413"], where).toBeDefined();
          expect(op.responses["415"], where).toBeDefined();
        }
        expect(op.responses["500"], where).toBeDefined();
        expect(Object.keys(op.responses["429"].headers), where).toEqual(expect.arrayContaining(["Retry-After", "RateLimit", "RateLimit-Policy"]));
      }
    }
    expect(bodies).toBeGreaterThanOrEqual(10);
  });
});

function pascal(s: string) {
  return s.replace(/(^|[-_.])([a-z0-9])/g, (_, __, ch: string) => ch.toUpperCase());
}
