import { ConnectorError } from "../errors";
import type { TestResult, TestStep, TestStepName } from "../types";
import type { DatabricksClient } from "./client";
import type { DatabricksConfig } from "./config";
import { runStatement } from "./statements";

// test(): connect, authenticate, authorize (the warehouse exists and may be used), sample (SELECT 1).
// Reports a result instead of throwing; each step has its own status, time, message and code.

type Warehouse = { id?: string; name?: string; state?: string };

const NETWORK = new Set(["unreachable", "host_not_allowed", "timeout"]);

export async function testConnection(client: DatabricksClient, config: DatabricksConfig): Promise<TestResult> {
  const steps: TestStep[] = [];
  const pass = (name: TestStepName, elapsedMs: number, message: string) => steps.push({ name, status: "passed", elapsedMs, message });
  const fail = (name: TestStepName, elapsedMs: number, err: unknown) => {
    const e = err instanceof ConnectorError ? err : new ConnectorError("upstream_error", "Unexpected failure");
    const step: TestStep = { name, status: "failed", elapsedMs, message: client.redact(e.message), code: e.code };
    // A fresh OAuth token can still be refused by the API: that overturns "authenticate".
    const earlier = steps.findIndex((s) => s.name === name);
    if (earlier >= 0) steps[earlier] = step;
    else steps.push(step);
  };
  const finish = (): TestResult => {
    for (const name of ["connect", "authenticate", "authorize", "sample"] as const) {
      if (!steps.some((s) => s.name === name)) steps.push({ name, status: "skipped", elapsedMs: 0, message: "Skipped after an earlier step failed" });
    }
    return { ok: steps.every((s) => s.status === "passed"), steps, serverVersion: null };
  };
  const host = new URL(client.base).host;

  // OAuth: the token request is the first contact and the authentication.
  if (client.auth.kind === "oauth") {
    const t0 = Date.now();
    try {
      await client.authorize();
      pass("connect", Date.now() - t0, `Reached ${host}`);
      pass("authenticate", 0, "OAuth client credentials accepted (token issued)");
    } catch (err) {
      if (err instanceof ConnectorError && NETWORK.has(err.code)) fail("connect", Date.now() - t0, err);
      else {
        pass("connect", Date.now() - t0, `Reached ${host}`);
        fail("authenticate", 0, err);
      }
      return finish();
    }
  }

  const t1 = Date.now();
  let warehouse: Warehouse;
  try {
    warehouse = await client.call<Warehouse>("GET", `/api/2.0/sql/warehouses/${encodeURIComponent(config.warehouseId)}`, {
      what: "warehouse lookup",
    });
  } catch (err) {
    const ms = Date.now() - t1;
    const code = err instanceof ConnectorError ? err.code : "upstream_error";
    if (NETWORK.has(code)) fail(steps.length ? "authorize" : "connect", ms, err);
    else {
      if (!steps.length) pass("connect", ms, `Reached ${host}`);
      if (code === "auth_failed") fail("authenticate", steps.length ? 0 : ms, err);
      else {
        if (!steps.some((s) => s.name === "authenticate")) pass("authenticate", 0, "Access token accepted");
        const e =
          code === "not_found"
            ? new ConnectorError("not_found", `SQL warehouse ${config.warehouseId} was not found in this workspace`)
            : err;
        fail("authorize", 0, e);
      }
    }
    return finish();
  }
  const ms = Date.now() - t1;
  if (!steps.length) {
    pass("connect", ms, `Reached ${host}`);
    pass("authenticate", 0, "Access token accepted");
    pass("authorize", 0, warehouseMessage(warehouse, config));
  } else pass("authorize", ms, warehouseMessage(warehouse, config));

  const t2 = Date.now();
  try {
    const result = await runStatement(client, {
      statement: "SELECT 1 AS ok",
      warehouseId: config.warehouseId,
      catalog: config.catalog,
      schema: config.schema,
      rowLimit: 1,
      fetchRows: 1,
      maxBytes: 1024,
      deadline: client.ctx.deadline - 300,
    });
    const value = result.rows[0]?.[0];
    if (value !== 1 && value !== "1") throw new ConnectorError("upstream_error", "SELECT 1 returned an unexpected result");
    pass("sample", Date.now() - t2, "SELECT 1 succeeded");
  } catch (err) {
    fail("sample", Date.now() - t2, err);
  }
  return finish();
}

function warehouseMessage(w: Warehouse, config: DatabricksConfig): string {
  const name = w.name ? `"${w.name}" (${config.warehouseId})` : config.warehouseId;
  return `SQL warehouse ${name} is available${w.state ? `, state ${w.state}` : ""}`;
}
