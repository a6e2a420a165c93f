import { describe, expect, it } from "vitest";
import { api, expectProblem, newWorkspace, pgConnectionBody } from "../helpers";

describe("bad input gets a clear 4xx problem+json", () => {
  it("malformed JSON, wrong types, missing body, unknown fields", async () => {
    const { token } = await newWorkspace("write");
    const malformed = await api("/api/connections", { method: "POST", token, rawBody: "{not json", headers: { "content-type": "application/json" } });
    expectProblem(malformed, 400, "malformed_json");
    // The body is a union by type: an unknown type is named first, as nothing else can be judged without it.
    const wrongType = await api("/api/connections", { method: "POST", token, body: { name: 42, type: ["postgres"], config: "x" } });
    expectProblem(wrongType, 400, "unknown_connector_type");
    expect(wrongType.json.errors).toEqual([{ path: "body.type", message: expect.stringContaining("postgres, snowflake") }]);
    const wrongTypes = await api("/api/connections", { method: "POST", token, body: { name: 42, type: "postgres", config: "x" } });
    expectProblem(wrongTypes, 400, "validation_failed");
    expect(wrongTypes.json.errors.map((e: any) => e.path).sort()).toEqual(["body.config", "body.name"]);
    // The engine's own config schema validates the config, field by field.
    const badConfig = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("x", { config: { host: "db", databse: "a", port: "5432" } }) });
    expectProblem(badConfig, 400, "validation_failed");
    expect(badConfig.json.errors.map((e: any) => e.path).sort()).toEqual(["body.config", "body.config.database", "body.config.port"]);
    expectProblem(await api("/api/connections", { method: "POST", token }), 400, "body_required");
    expectProblem(await api("/api/connections", { method: "POST", token, rawBody: "name=x", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
    expectProblem(await api("/api/connections", { method: "POST", token, body: { ...pgConnectionBody(), extra: 1 } }), 400, "validation_failed");
    expectProblem(await api("/api/connections", { method: "POST", token, body: [] }), 400);
    expectProblem(await api("/api/connections", { method: "POST", token, body: null }), 400);
  });

  it("oversized bodies answer 413", async () => {
    const { token } = await newWorkspace("write");
    const huge = JSON.stringify({ ...pgConnectionBody(), name: "x".repeat(1_100_000) });
    expectProblem(await api("/api/connections", { method: "POST", token, rawBody: huge, headers: { "content-type": "application/json" } }), 413, "body_too_large");
  });

  it("bad ids, bad limits, bad cursors and unknown routes", async () => {
    const { token } = await newWorkspace("write");
    for (const path of ["/api/connections/123", "/api/connections/cred_000000000aaaaaaaaaaaa", "/api/credentials/conn_x", "/api/pipelines/%00"]) {
      expectProblem(await api(path, { token }), 400, "validation_failed");
    }
    for (const q of ["limit=0", "limit=100000", "limit=abc", "limit=1&limit=2"]) expectProblem(await api(`/api/connections?${q}`, { token }), 400);
    expectProblem(await api("/api/connections?cursor=eyJrIjoieCJ9", { token }), 400, "invalid_cursor");
    expectProblem(await api("/api/nope", { token }), 404, "route_not_found");
    expectProblem(await api("/api/connections", { method: "PATCH", token, body: {} }), 404);
  });

  it("carries the request id, echoing a sane incoming one", async () => {
    const res = await api("/api/connections", { headers: { "x-request-id": "req-123" } });
    expectProblem(res, 401);
    expect(res.json.requestId).toBe("req-123");
    expect(res.headers.get("x-request-id")).toBe("req-123");
    const weird = await api("/api/connections", { headers: { "x-request-id": "<script>" } });
    expect(weird.json.requestId).not.toContain("<");
  });

  it("returns a D1 bookmark so clients can read their own writes", async () => {
    const { token } = await newWorkspace("write");
    const created = await api("/api/connections", { method: "POST", token, body: pgConnectionBody() });
    const bookmark = created.headers.get("x-d1-bookmark");
    expect(bookmark).toBeTruthy();
    const read = await api(`/api/connections/${created.json.id}`, { token, headers: { "x-d1-bookmark": bookmark! } });
    expect(read.status).toBe(200);
    expect(read.headers.get("x-d1-bookmark")).toBeTruthy();
  });
});
