import { ConnectorError } from "../errors";
import type { TestResult, TestStep, TestStepName } from "../types";
import { quoteIdent } from "../../sql/readonly";
import type { SnowflakeClient } from "./client";
import type { SnowflakeConfig } from "./config";

// The connection test: reports each step instead of throwing. One statement answers connect,
// authenticate and authorize (who am I, which role/warehouse/database the session got); a second reads
// metadata as the sample. Two round trips when both succeed synchronously.

const ORDER: TestStepName[] = ["connect", "authenticate", "authorize", "sample"];
const CONNECT_FAILURES = new Set(["unreachable", "host_not_allowed", "timeout", "not_found", "upstream_error", "rate_limited"]);

export async function runTest(client: SnowflakeClient, config: SnowflakeConfig, timeoutMs: number, host: string): Promise<TestResult> {
  const steps: TestStep[] = [];
  let t = Date.now();
  const step = (name: TestStepName, status: TestStep["status"], message: string, code?: string) => {
    const now = Date.now();
    steps.push({ name, status, elapsedMs: now - t, message, ...(code ? { code } : {}) });
    t = now;
  };
  const finish = (serverVersion: string | null = null): TestResult => {
    for (const name of ORDER) if (!steps.some((s) => s.name === name)) steps.push({ name, status: "skipped", elapsedMs: 0, message: "Skipped: an earlier step failed." });
    return { ok: steps.every((s) => s.status === "passed"), steps, serverVersion };
  };

  let who: Record<string, string | null>;
  try {
    const r = await client.execute(
      `SELECT CURRENT_VERSION() AS "VERSION", CURRENT_USER() AS "USER", CURRENT_ROLE() AS "ROLE", ` +
        `CURRENT_WAREHOUSE() AS "WAREHOUSE", CURRENT_DATABASE() AS "DATABASE", CURRENT_SCHEMA() AS "SCHEMA"`,
      { timeoutMs, maxRows: 1 },
    );
    const names = r.rowType.map((c) => c.name);
    who = Object.fromEntries(names.map((n, i) => [n, r.rows[0]?.[i] ?? null]));
  } catch (err) {
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
  step(
    "authorize",
    "passed",
    `Role ${who.ROLE ?? "(default)"}, warehouse ${who.WAREHOUSE ?? "(none)"}, database ${who.DATABASE ?? "(none)"}.`,
  );

  try {
    if (config.database) {
      const r = await client.execute(
        `SELECT "TABLE_SCHEMA", "TABLE_NAME" FROM ${quoteIdent(config.database, "snowflake")}."INFORMATION_SCHEMA"."TABLES" LIMIT 1`,
        { timeoutMs, maxRows: 1 },
      );
      step("sample", "passed", `Read table metadata from ${config.database} (${r.numRows > 0 ? "tables visible" : "no tables visible"}).`);
    } else {
      const r = await client.execute("SHOW DATABASES LIMIT 10", { timeoutMs, maxRows: 10 });
      step("sample", "passed", `Listed databases (${r.numRows} visible).`);
    }
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    step("sample", "failed", err.message, err.detail.engineCode ?? err.code);
  }
  return finish(who.VERSION ?? null);
}
