import { describe, expect, it } from "vitest";
import { api, newWorkspace, pgConnectionBody } from "../helpers";

describe("smoke", () => {
  it("creates and reads a connection with an API key", async () => {
    const { token } = await newWorkspace("write");
    const created = await api("/api/connections", { method: "POST", token, body: pgConnectionBody() });
    expect(created.status).toBe(201);
    const got = await api(`/api/connections/${created.json.id}`, { token });
    expect(got.status).toBe(200);
    expect(got.json.config).toEqual({ host: "db.example.com", port: 5432, database: "analytics", sslMode: "require", transport: "auto" });
  });
});
