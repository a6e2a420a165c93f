import { ConnectorError } from "../errors";
import type { TestResult, TestStep, TestStepName } from "../types";
import type { S3Client } from "./client";
import { prefixFor } from "./keys";
import { xmlBlocks, xmlText } from "./xml";

// One signed ListObjectsV2 (max-keys=1) proves the endpoint answers, the signature and key are
// accepted, the bucket exists and the key may list it; a one-byte ranged GET of the first object
// proves it may read. Each failure lands on its own step with the S3 error code.
// Two round trips is the floor for that: the read needs a key only the listing can name. A GET of a
// made-up key sent alongside the listing would answer 404 or 403 depending on ListBucket, and says
// nothing about what a real object needs (SSE-KMS decrypt rights, object ACLs, prefix policies).

const STEPS: TestStepName[] = ["connect", "authenticate", "authorize", "sample"];

// Which step an error belongs to.
function failedStep(err: ConnectorError): TestStepName {
  switch (err.code) {
    case "unreachable":
    case "host_not_allowed":
    case "timeout":
      return "connect";
    case "auth_failed":
      return "authenticate";
    case "permission_denied":
    case "not_found":
      return "authorize";
    default:
      return err.detail.engineCode ? "authorize" : "connect";
  }
}

export async function testConnection(client: S3Client): Promise<TestResult> {
  const steps: TestStep[] = [];
  const fail = (name: TestStepName, err: unknown, elapsedMs: number): TestResult => {
    const e = err instanceof ConnectorError ? err : new ConnectorError("upstream_error", "Unexpected failure");
    for (const s of STEPS) {
      if (steps.some((x) => x.name === s)) continue;
      if (s === name) steps.push({ name: s, status: "failed", elapsedMs, message: e.message, code: e.detail.engineCode ?? e.code });
      else steps.push({ name: s, status: "skipped", elapsedMs: 0, message: `Skipped: ${name} failed` });
    }
    return { ok: false, steps };
  };

  const bucket = client.config.bucket;
  let t = Date.now();
  let xml: string;
  try {
    xml = await client.listObjects({ prefix: prefixFor(client.config, ""), maxKeys: 1 });
  } catch (err) {
    const step = err instanceof ConnectorError ? failedStep(err) : "connect";
    const elapsed = Date.now() - t;
    if (step !== "connect") steps.push({ name: "connect", status: "passed", elapsedMs: elapsed, message: `Reached ${client.endpoint.host}` });
    if (step === "authorize") steps.push({ name: "authenticate", status: "passed", elapsedMs: 0, message: "The request signature was accepted" });
    return fail(step, err, step === "connect" ? elapsed : 0);
  }
  steps.push({ name: "connect", status: "passed", elapsedMs: Date.now() - t, message: `Reached ${client.endpoint.host}` });
  steps.push({ name: "authenticate", status: "passed", elapsedMs: 0, message: "The request signature was accepted" });
  steps.push({ name: "authorize", status: "passed", elapsedMs: 0, message: `Bucket "${bucket}" exists and this key can list it` });

  t = Date.now();
  const first = xmlBlocks(xml, "Contents")[0];
  const firstKey = first ? xmlText(first, "Key") : null;
  if (!firstKey) {
    steps.push({ name: "sample", status: "passed", elapsedMs: 0, message: "The bucket has no objects under the root prefix" });
    return { ok: true, steps };
  }
  const key = xmlText(xml, "EncodingType") === "url" ? decodeURIComponent(firstKey.replace(/\+/g, " ")) : firstKey;
  try {
    await client.getRange(key, { start: 0, end: 0 });
  } catch (err) {
    return fail("sample", err, Date.now() - t);
  }
  steps.push({ name: "sample", status: "passed", elapsedMs: Date.now() - t, message: "Listed the bucket and read the first byte of an object" });
  return { ok: true, steps };
}
