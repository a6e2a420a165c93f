import { describe, expect, it } from "vitest";
import { api, expectProblem, newWorkspace, pgConnectionBody } from "../helpers";

async function setup() {
  const { token } = await newWorkspace("write");
  const a = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("src") });
  const b = await api("/api/connections", { method: "POST", token, body: pgConnectionBody("dst") });
  return { token, src: a.json.id as string, dst: b.json.id as string };
}

describe("pipelines and the connection delete guard", () => {
  it("creates, updates and lists pipelines that reference connections in the workspace", async () => {
    const { token, src, dst } = await setup();
    const p = await api("/api/pipelines", { method: "POST", token, body: { name: "p", sourceConnectionId: src, destinationConnectionId: dst } });
    expect(p.status).toBe(201);
    expect(p.json.status).toBe("active");
    expect((await api(`/api/pipelines?connectionId=${src}`, { token })).json.data).toHaveLength(1);
    const paused = await api(`/api/pipelines/${p.json.id}`, { method: "PUT", token, body: { status: "paused" } });
    expect(paused.json.status).toBe("paused");
    expectProblem(
      await api("/api/pipelines", { method: "POST", token, body: { name: "q", sourceConnectionId: src, destinationConnectionId: "conn_000000000aaaaaaaaaaaa" } }),
      422,
      "connection_not_found",
    );
  });

  it("refuses to delete a connection used by an active pipeline, naming the pipelines", async () => {
    const { token, src, dst } = await setup();
    const p = await api("/api/pipelines", { method: "POST", token, body: { name: "p", sourceConnectionId: src, destinationConnectionId: dst } });
    const res = await api(`/api/connections/${src}`, { method: "DELETE", token });
    expectProblem(res, 409, "connection_in_use");
    expect(res.json.pipelineIds).toEqual([p.json.id]);
    expect((await api(`/api/connections/${src}`, { token })).status).toBe(200);
  });

  it("honours ?force=true only from the documented Api-Version, pausing and detaching pipelines", async () => {
    const { token, src, dst } = await setup();
    const p = await api("/api/pipelines", { method: "POST", token, body: { name: "p", sourceConnectionId: src, destinationConnectionId: dst } });
    const old = await api(`/api/connections/${src}?force=true`, { method: "DELETE", token, headers: { "api-version": "2026-06-01" } });
    expectProblem(old, 409, "force_delete_unavailable");
    expect(old.json.requiredApiVersion).toBe("2026-11-01");
    expect(old.json.detail).toContain("2026-11-01");
    expectProblem(await api(`/api/connections/${src}?force=true`, { method: "DELETE", token }), 409, "force_delete_unavailable");

    const forced = await api(`/api/connections/${src}?force=true`, { method: "DELETE", token, headers: { "api-version": "2026-11-01" } });
    expect(forced.status).toBe(200);
    expect(forced.json).toEqual({ id: src, deleted: true, pausedPipelineIds: [p.json.id], detachedPipelineIds: [p.json.id] });
    const after = await api(`/api/pipelines/${p.json.id}`, { token });
    expect(after.json).toMatchObject({ status: "paused", sourceConnectionId: null, destinationConnectionId: dst });
    // Nothing dangles: the pipeline cannot be re-activated without a source.
    expectProblem(await api(`/api/pipelines/${p.json.id}`, { method: "PUT", token, body: { status: "active" } }), 422, "pipeline_incomplete");
  });

  it("detaches paused pipelines on a plain delete", async () => {
    const { token, src, dst } = await setup();
    const p = await api("/api/pipelines", { method: "POST", token, body: { name: "p", sourceConnectionId: src, destinationConnectionId: dst, status: "paused" } });
    const res = await api(`/api/connections/${dst}`, { method: "DELETE", token });
    expect(res.json).toEqual({ id: dst, deleted: true, pausedPipelineIds: [], detachedPipelineIds: [p.json.id] });
    expect((await api(`/api/pipelines/${p.json.id}`, { token })).json.destinationConnectionId).toBeNull();
  });
});
