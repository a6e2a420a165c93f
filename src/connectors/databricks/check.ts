import { ConnectorError } from "../errors";
import type { TestResult, TestStep, TestStepName } from "../types";
import type { DatabricksClient } from "./client";
import type { DatabricksConfig } from "./config";
import { listCatalogs } from "./unity";
import { getWarehouse, type Warehouse } from "./warehouse";

// test(): connect, authenticate, authorize (the warehouse exists and may be used), warehouse (its
// state, read without starting it) and sample (one Unity Catalog page). The warehouse lookup and the
// sample leave together: one round trip with a token (two with OAuth M2M, whose token comes first),
// and no statement, so a stopped warehouse stays stopped. Reports a result instead of throwing.

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
    for (const name of ["connect", "authenticate", "authorize", "warehouse", "sample"] as const) {
      if (!steps.some((s) => s.name === name)) steps.push({ name, status: "skipped", elapsedMs: 0, message: "Skipped after an earlier step failed" });
    }
    return { ok: steps.every((s) => s.status === "passed"), steps, serverVersion: null, ...(state ? { warehouse: { id: config.warehouseId, state } } : {}) };
  };
  const host = new URL(client.base).host;
  let state: string | null = null;

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
  const [lookup, sample] = await Promise.allSettled([getWarehouse(client, config), listCatalogs(client, { limit: 1 })]);
  const ms = Date.now() - t1;
  if (lookup.status === "rejected") {
    const err = lookup.reason;
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
  const warehouse = lookup.value;
  if (!steps.length) {
    pass("connect", ms, `Reached ${host}`);
    pass("authenticate", 0, "Access token accepted");
    pass("authorize", 0, warehouseMessage(warehouse, config));
  } else pass("authorize", ms, warehouseMessage(warehouse, config));
  state = warehouse.state ?? "UNKNOWN";
  pass(
    "warehouse",
    0,
    state === "RUNNING"
      ? "SQL warehouse is RUNNING"
      : `SQL warehouse is ${state}; the test did not start it. Previews and queries answer 409 warehouse_not_running unless sent with wake=true.`,
  );
  if (sample.status === "rejected") fail("sample", 0, sample.reason);
  else pass("sample", 0, `Read Unity Catalog (${sample.value.items.length ? "catalogs visible" : "no catalogs visible"})`);
  return finish();
}

function warehouseMessage(w: Warehouse, config: DatabricksConfig): string {
  const name = w.name ? `"${w.name}" (${config.warehouseId})` : config.warehouseId;
  return `SQL warehouse ${name} may be used`;
}
