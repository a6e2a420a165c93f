import { ConnectorError } from "./errors";
import type { TestResult, TestStep, TestStepName } from "./types";

// The step list a connection test fills in: passed and failed steps with their time, messages passed
// through the connector's redaction, and every step not reached marked skipped at the end.

export const NETWORK_CODES = new Set(["unreachable", "host_not_allowed", "timeout"]);

export function stepRecorder(redact: (message: string) => string, names: readonly TestStepName[] = ["connect", "authenticate", "authorize", "sample"]) {
  const steps: TestStep[] = [];
  const step = (name: TestStepName, t0: number, status: "passed" | "failed", message: string, code?: string) =>
    steps.push({ name, status, elapsedMs: Date.now() - t0, message: redact(message), ...(code ? { code } : {}) });
  const failed = (name: TestStepName, t0: number, err: unknown) => {
    const e = err instanceof ConnectorError ? err : new ConnectorError("upstream_error", "Unexpected failure");
    step(name, t0, "failed", e.message, e.code);
  };
  const finish = (): TestResult => {
    for (const name of names) {
      if (!steps.some((s) => s.name === name)) steps.push({ name, status: "skipped", elapsedMs: 0, message: "Skipped after an earlier step failed" });
    }
    return { ok: steps.every((s) => s.status === "passed"), steps, serverVersion: null };
  };
  return { steps, step, failed, finish };
}
