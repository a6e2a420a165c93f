import { ConnectorError } from "../errors";
import type { TestResult } from "../types";
import { NETWORK_CODES, stepRecorder } from "../test-steps";
import type { GlueClient } from "./client";

// test(): connect + authenticate (GetDatabases, one result), authorize (GetTables in the first
// database: Lake Formation grants decide what is visible), sample (GetTable of its first table).

export async function testConnection(client: GlueClient): Promise<TestResult> {
  const { steps, step, failed, finish } = stepRecorder((m) => client.redact(m));
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
    if (NETWORK_CODES.has(code)) failed("connect", t0, err);
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
