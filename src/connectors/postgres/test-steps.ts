import { ConnectorError } from "../errors";
import type { TestResult, TestStep, TestStepName } from "../types";
import type { AuthMethod, PgTransport } from "./transport";

// The connection test: connect, authenticate, authorize, sample. Reports, never throws.

export type TestTarget = {
  user: string;
  database: string;
  schema: string;
  timeoutMs: number;
  open: () => Promise<PgTransport>; // connects and authenticates (TCP, WebSocket) or returns the HTTP transport
};

// One read-only round trip answers authorize (USAGE on the default schema) and sample (a row read).
const PROBE = `SELECT current_database()::text, current_user::text,
  (SELECT has_schema_privilege(n.oid, 'USAGE')::text FROM pg_namespace n WHERE n.nspname::text = $1::text),
  current_setting('server_version')`;

const AUTH_METHOD: Record<AuthMethod, string> = {
  "scram-sha-256": "with SCRAM-SHA-256",
  md5: "with MD5, a weak method (the stored hash is enough to log in): switch the role to scram-sha-256",
  cleartext: "with a cleartext password over an encrypted connection",
  trust: "without a password (the server trusts this address)",
};

export async function runTest(t: TestTarget): Promise<TestResult> {
  const steps: TestStep[] = [];
  const step = (name: TestStepName, status: TestStep["status"], elapsedMs: number, message: string, code?: string) =>
    steps.push({ name, status, elapsedMs, message, ...(code ? { code } : {}) });
  const skipRest = (from: TestStepName[]) => {
    for (const name of from) step(name, "skipped", 0, "Skipped because an earlier step failed");
  };
  const failAt = (err: unknown, elapsed: number): TestResult => {
    const e =
      err instanceof ConnectorError ? err : new ConnectorError("upstream_error", "The connection test failed unexpectedly");
    const order: TestStepName[] = ["connect", "authenticate", "authorize", "sample"];
    let failed: TestStepName = "connect";
    if (e.code === "auth_failed") failed = "authenticate";
    else if (e.code === "not_found" || e.code === "permission_denied") failed = "authorize";
    const idx = order.indexOf(failed);
    for (const name of order.slice(0, idx)) {
      const msg = name === "connect" ? "Reached the server" : `Authenticated as ${t.user}`;
      step(name, "passed", name === "connect" ? elapsed : 0, msg);
    }
    step(failed, "failed", idx === 0 ? elapsed : 0, e.message, e.code);
    skipRest(order.slice(idx + 1));
    return { ok: false, steps, serverVersion: null };
  };

  let started = Date.now();
  let transport: PgTransport;
  try {
    transport = await t.open();
  } catch (err) {
    return failAt(err, Date.now() - started);
  }
  const http = transport.kind === "http";
  const openedMs = Date.now() - started;
  let probeRow: Array<string | null>;
  started = Date.now();
  try {
    const r = await transport.query(PROBE, [t.schema], { readOnlyTransaction: true, timeoutMs: t.timeoutMs });
    probeRow = r.rows[0] ?? [];
  } catch (err) {
    return failAt(err, Date.now() - started);
  }
  const probeMs = Date.now() - started;
  if (http) {
    step("connect", "passed", probeMs, "Reached the SQL-over-HTTP endpoint");
    step("authenticate", "passed", 0, `Authenticated as ${t.user} (same request)`);
  } else if (transport.kind === "tcp") {
    step("connect", "passed", openedMs, transport.encrypted ? "Reached the server over TCP with TLS" : "Reached the server over TCP without TLS (sslMode disable)");
    step("authenticate", "passed", 0, `Authenticated as ${t.user} ${AUTH_METHOD[transport.authMethod ?? "trust"]} (during connect)`);
  } else {
    step("connect", "passed", openedMs, "Reached the server through the WebSocket proxy");
    step("authenticate", "passed", 0, `Authenticated as ${t.user} ${AUTH_METHOD[transport.authMethod ?? "trust"]} (during connect)`);
  }
  const [, , usage] = probeRow;
  const authorizeMs = http ? 0 : probeMs;
  if (usage === null || usage === undefined) {
    step("authorize", "failed", authorizeMs, `Connected to database ${t.database}, but schema ${t.schema} does not exist`, "not_found");
    skipRest(["sample"]);
    return { ok: false, steps, serverVersion: null };
  }
  if (usage !== "true") {
    step("authorize", "failed", authorizeMs, `User ${t.user} has no USAGE privilege on schema ${t.schema}`, "permission_denied");
    skipRest(["sample"]);
    return { ok: false, steps, serverVersion: null };
  }
  step("authorize", "passed", authorizeMs, `Connected to database ${t.database} with USAGE on schema ${t.schema}`);
  const version = probeRow[3] ?? null;
  step("sample", "passed", 0, `Read one row in a read-only transaction (same round trip): PostgreSQL ${version ?? "?"}`);
  return { ok: true, steps, serverVersion: version };
}
