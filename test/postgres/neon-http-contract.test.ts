import { describe, expect, it } from "vitest";
import { newTag, owner, servers } from "./helpers";

// The Neon SQL-over-HTTP contract server itself (wire-protocols.md section 3): what the real endpoint
// accepts and rejects, so the connector's HTTP tests mean something.
const conn = (password = owner().password, database = servers.pgDatabase!) =>
  `postgresql://${owner().user}:${encodeURIComponent(password)}@ep-test-123.us-east-2.aws.neon.tech/${database}?sslmode=require`;

async function post(body: unknown, headers: Record<string, string> = {}, tag = newTag()) {
  const res = await fetch(`${servers.neonHttpOrigin}/t/${tag}/sql`, {
    method: "POST",
    headers: { "Neon-Connection-String": conn(), "Neon-Raw-Text-Output": "true", "Neon-Array-Mode": "true", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe("Neon HTTP contract server", () => {
  it("answers a single query with fields, text rows, command and rowCount", async () => {
    const r = await post({ query: "SELECT $1::text AS greeting, 42::int8 AS n, NULL::int AS z", params: ["hello"] });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.json).toMatchObject({ command: "SELECT", rowCount: 1, rowAsArray: true, rows: [["hello", "42", null]] });
    const fields = r.json.fields as Array<Record<string, unknown>>;
    expect(fields.map((f) => [f.name, f.dataTypeID, f.format])).toEqual([
      ["greeting", 25, "text"],
      ["n", 20, "text"],
      ["z", 23, "text"],
    ]);
  });

  it("converts values and builds objects unless the headers are exactly true", async () => {
    const r = await post(
      { query: "SELECT true AS b, 7 AS i, 8::int8 AS big, '{\"a\":1}'::jsonb AS j, ARRAY[1,2] AS arr" },
      { "Neon-Raw-Text-Output": "TRUE", "Neon-Array-Mode": "yes" },
    );
    expect(r.json).toMatchObject({ rowAsArray: false, rows: [{ b: true, i: 7, big: "8", j: { a: 1 }, arr: [1, 2] }] });
  });

  it("runs a batch in one transaction with the batch headers and echoes them", async () => {
    const r = await post(
      { queries: [{ query: "SELECT current_setting('transaction_read_only') AS ro" }, { query: "SELECT current_setting('transaction_isolation') AS iso" }] },
      { "Neon-Batch-Read-Only": "true", "Neon-Batch-Isolation-Level": "Serializable", "Neon-Batch-Deferrable": "true" },
    );
    expect(r.status).toBe(200);
    const results = r.json.results as Array<{ rows: unknown[][] }>;
    expect(results.map((x) => x.rows[0]![0])).toEqual(["on", "serializable"]);
    expect(r.headers.get("neon-batch-read-only")).toBe("true");
    expect(r.headers.get("neon-batch-isolation-level")).toBe("Serializable");
  });

  it("rolls back the whole batch on an error and answers 400 with the Postgres error object", async () => {
    const r = await post({ queries: [{ query: "SELECT 1" }, { query: "SELECT * FROM nope" }] });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ message: 'relation "nope" does not exist', code: "42P01", severity: "ERROR", position: "15" });
    for (const key of ["detail", "hint", "internalPosition", "internalQuery", "where", "table", "column", "schema", "dataType", "constraint", "file", "line", "routine"]) {
      expect(r.json).toHaveProperty(key);
    }
  });

  it("refuses two statements in one query, as the extended protocol does", async () => {
    const r = await post({ query: "SELECT 1; SELECT 2" });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("42601");
  });

  it("rejects a wrong password like a connection error (empty code), without echoing the password", async () => {
    const res = await fetch(`${servers.neonHttpOrigin}/sql`, {
      method: "POST",
      headers: { "Neon-Connection-String": conn("not-the-password"), "Neon-Raw-Text-Output": "true", "Neon-Array-Mode": "true" },
      body: JSON.stringify({ query: "SELECT 1" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "", severity: "", detail: null });
    expect(body.message).toMatch(/password authentication failed for user 'app_owner'/);
    expect(JSON.stringify(body)).not.toContain("not-the-password");
  });

  it("rejects a missing or malformed connection string, bad JSON and an unknown isolation level", async () => {
    const bad = async (headers: Record<string, string>, body = '{"query":"SELECT 1"}') => {
      const res = await fetch(`${servers.neonHttpOrigin}/sql`, { method: "POST", headers, body });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await bad({})).status).toBe(400);
    expect((await bad({ "Neon-Connection-String": "mysql://u:p@h/db" })).status).toBe(400);
    expect((await bad({ "Neon-Connection-String": conn() }, "{not json")).status).toBe(400);
    const iso = await bad({ "Neon-Connection-String": conn(), "Neon-Batch-Isolation-Level": "Chaos" }, '{"queries":[]}');
    expect(iso).toMatchObject({ status: 400, body: { message: "invalid isolation level" } });
  });

  it("reports the command tag of statements without a row count", async () => {
    const r = await post({ queries: [{ query: "CREATE TEMP TABLE x (a int)" }, { query: "INSERT INTO x VALUES (1), (2)" }] });
    const results = r.json.results as Array<Record<string, unknown>>;
    expect(results.map((x) => [x.command, x.rowCount])).toEqual([
      ["CREATE", null],
      ["INSERT", 2],
    ]);
  });
});
