import { ConnectorError } from "../errors";
import type { TestResult, TestStep, TestStepName } from "../types";
import type { GlueClient } from "./client";

// test(): connect + authenticate (GetDatabases, one result), authorize (GetTables in the first
// database: Lake Formation grants decide what is visible), sample (GetTable of its first table).

const NETWORK = new Set(["unreachable", "host_not_allowed", "timeout"]);

export async function testConnection(client: GlueClient): Promise<TestResult> {
  const steps: TestStep[] = [];
  const step = (name: TestStepName, t0: number, status: "passed" | "failed", message: string, code?: string) =>
    steps.push({ name, status, elapsedMs: Date.now() - t0, message: client.redact(message), ...(code ? { code } : {}) });
  const failed = (name: TestStepName, t0: number, err: unknown) => {
    const e = err instanceof ConnectorError ? err : new ConnectorError("upstream_error", "Unexpected failure");
    step(name, t0, "failed", e.message, e.code);
  };
  const finish = (): TestResult => {
    for (const name of ["connect", "authenticate", "authorize", "sample"] as const) {
      if (!steps.some((s) => s.name === name)) steps.push({ name, status: "skipped", elapsedMs: 0, message: "Skipped after an earlier step failed" });
    }
    return { ok: steps.every((s) => s.status === "passed"), steps, serverVersion: null };
  };
  const catalog = client.config.catalogId ? { CatalogId: client.config.catalogId } : {};
  const host = new URL(client.endpoint).host;

  const t0 = Date.now();
  let database: string | undefined;
  try {
    const res = await client.call<{ DatabaseList?: Array<{ Name: string }> }>("GetDatabases", { ...catalog, MaxResults: 1 });
    database = res.DatabaseList?.[0]?.Name;
    step("connect", t0, "passed", `Reached ${host}`);
    step("authenticate", Date.now(), "passed", database ? `Credentials accepted (first database: ${database})` : "Credentials accepted (no database visible)");
  } catch (err) {
    const code = err instanceof ConnectorError ? err.code : "upstream_error";
    if (NETWORK.has(code)) failed("connect", t0, err);
    else {
      step("connect", t0, "passed", `Reached ${host}`);
      failed(code === "permission_denied" ? "authorize" : "authenticate", Date.now(), err);
      if (code === "permission_denied") steps.splice(1, 0, { name: "authenticate", status: "passed", elapsedMs: 0, message: "Credentials accepted" });
    }
    return finish();
  }
  const t1 = Date.now();
  let table: string | undefined;
  try {
    if (database) {
      const res = await client.call<{ TableList?: Array<{ Name: string }> }>("GetTables", { ...catalog, DatabaseName: database, MaxResults: 1, AttributesToGet: ["NAME"] });
      table = res.TableList?.[0]?.Name;
    }
    step("authorize", t1, "passed", database ? `Tables of ${database} can be listed` : "Nothing to list");
  } catch (err) {
    failed("authorize", t1, err);
    return finish();
  }
  const t2 = Date.now();
  try {
    if (database && table) {
      await client.call("GetTable", { ...catalog, DatabaseName: database, Name: table });
      step("sample", t2, "passed", `Read the definition of ${database}.${table}`);
    } else step("sample", t2, "passed", "No table to read");
  } catch (err) {
    failed("sample", t2, err);
  }
  return finish();
}
