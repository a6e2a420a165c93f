import { ConnectorError } from "../errors";
import type { TestResult, TestStep, TestStepName } from "../types";
import { quoteIdent } from "../../sql/readonly";
import type { SnowflakeClient } from "./client";
import type { SnowflakeConfig } from "./config";
import { warehouseState, type WarehouseInfo } from "./warehouse";

// The connection test: reports each step instead of throwing. Three statements that need no
// warehouse leave together (one round trip of latency): who am I (connect, authenticate, authorize:
// which role/warehouse/database the session got), SHOW WAREHOUSES (the warehouse's state, read
// without resuming it) and a SHOW of metadata as the sample. Nothing here starts compute.

const ORDER: TestStepName[] = ["connect", "authenticate", "authorize", "warehouse", "sample"];
const CONNECT_FAILURES = new Set(["unreachable", "host_not_allowed", "timeout", "not_found", "upstream_error", "rate_limited"]);

const IDENTITY =
  `SELECT CURRENT_VERSION() AS "VERSION", CURRENT_USER() AS "USER", CURRENT_ROLE() AS "ROLE", ` +
  `CURRENT_WAREHOUSE() AS "WAREHOUSE", CURRENT_DATABASE() AS "DATABASE", CURRENT_SCHEMA() AS "SCHEMA"`;

export async function runTest(client: SnowflakeClient, config: SnowflakeConfig, timeoutMs: number, host: string): Promise<TestResult> {
  const steps: TestStep[] = [];
  let t = Date.now();
  const step = (name: TestStepName, status: TestStep["status"], message: string, code?: string) => {
    const now = Date.now();
    steps.push({ name, status, elapsedMs: now - t, message, ...(code ? { code } : {}) });
    t = now;
  };
  let warehouse: WarehouseInfo = null;
  const finish = (serverVersion: string | null = null): TestResult => {
    for (const name of ORDER) if (!steps.some((s) => s.name === name)) steps.push({ name, status: "skipped", elapsedMs: 0, message: "Skipped: an earlier step failed." });
    steps.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
    return { ok: steps.every((s) => s.status === "passed"), steps, serverVersion, ...(warehouse ? { warehouse: { id: warehouse.name, state: warehouse.state } } : {}) };
  };

  const sampleSql = config.database ? `SHOW TERSE SCHEMAS IN DATABASE ${quoteIdent(config.database, "snowflake")} LIMIT 10` : "SHOW TERSE DATABASES LIMIT 10";
  const [identity, state, sample] = await Promise.allSettled([
    client.execute(IDENTITY, { timeoutMs, maxRows: 1 }),
    warehouseState(client, config, timeoutMs),
    client.execute(sampleSql, { timeoutMs, maxRows: 10 }),
  ]);

  if (identity.status === "rejected") {
    const err = identity.reason;
    if (!(err instanceof ConnectorError)) throw err;
    const code = err.detail.engineCode ?? err.code;
    if (client.roundTrips === 0 && err.code === "auth_failed") {
      // The credential could not even be turned into a token (bad key, wrong passphrase).
      step("connect", "skipped", "Not attempted: the credential could not be used.");
      step("authenticate", "failed", err.message, code);
    } else if (CONNECT_FAILURES.has(err.code)) {
      step("connect", "failed", err.message, code);
    } else if (err.code === "auth_failed") {
      step("connect", "passed", `Reached ${host}.`);
      step("authenticate", "failed", err.message, code);
    } else {
      step("connect", "passed", `Reached ${host}.`);
      step("authenticate", "passed", "Credentials accepted.");
      step("authorize", "failed", err.message, code);
    }
    return finish();
  }
  const r = identity.value;
  const names = r.rowType.map((c) => c.name);
  const who: Record<string, string | null> = Object.fromEntries(names.map((n, i) => [n, r.rows[0]?.[i] ?? null]));
  step("connect", "passed", `Reached ${host}.`);
  step("authenticate", "passed", `Authenticated as ${who.USER ?? "(unknown user)"}.`);

  const missing: string[] = [];
  if (config.role && !who.ROLE) missing.push(`role ${config.role}`);
  if (config.warehouse && !who.WAREHOUSE) missing.push(`warehouse ${config.warehouse}`);
  if (config.database && !who.DATABASE) missing.push(`database ${config.database}`);
  if (config.schema && config.database && who.DATABASE && !who.SCHEMA) missing.push(`schema ${config.schema}`);
  if (missing.length) {
    step(
      "authorize",
      "failed",
      `The session could not use ${missing.join(", ")}: it does not exist or is not granted to role ${who.ROLE ?? "(none)"}.`,
      "permission_denied",
    );
    return finish(who.VERSION ?? null);
  }
  step("authorize", "passed", `Role ${who.ROLE ?? "(default)"}, warehouse ${who.WAREHOUSE ?? "(none)"}, database ${who.DATABASE ?? "(none)"}.`);

  if (state.status === "rejected") {
    const err = state.reason;
    if (!(err instanceof ConnectorError)) throw err;
    step("warehouse", "failed", err.message, err.detail.engineCode ?? err.code);
  } else if (!state.value) {
    if (who.WAREHOUSE) step("warehouse", "failed", `Warehouse ${who.WAREHOUSE} is not visible to role ${who.ROLE}.`, "permission_denied");
    else step("warehouse", "passed", "No warehouse configured or defaulted: metadata can be read, statements cannot run.");
  } else {
    warehouse = state.value;
    const running = warehouse.state === "STARTED" || warehouse.state === "RESIZING";
    step(
      "warehouse",
      "passed",
      running
        ? `Warehouse ${warehouse.name} is ${warehouse.state}.`
        : `Warehouse ${warehouse.name} is ${warehouse.state}; the test did not resume it. Previews and queries answer 409 warehouse_not_running unless sent with wake=true.`,
    );
  }

  if (sample.status === "rejected") {
    const err = sample.reason;
    if (!(err instanceof ConnectorError)) throw err;
    step("sample", "failed", err.message, err.detail.engineCode ?? err.code);
  } else if (config.database) {
    step("sample", "passed", `Listed schemas of ${config.database} (${sample.value.numRows} visible).`);
  } else {
    step("sample", "passed", `Listed databases (${sample.value.numRows} visible).`);
  }
  return finish(who.VERSION ?? null);
}
