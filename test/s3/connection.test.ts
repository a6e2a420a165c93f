import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import { s3Connector } from "../../src/connectors/s3";
import { encodeKey, resolveEndpoint } from "../../src/connectors/s3/client";
import { s3Config } from "../../src/connectors/s3/config";
import { config, credential, injectFaults, mainKey, mintKey, open, rejection, servers, stats } from "./helpers";

const stepsOf = (r: { steps: { name: string; status: string; code?: string; message: string }[] }) =>
  Object.fromEntries(r.steps.map((s) => [s.name, s.status]));

describe("s3 connection test", () => {
  it("passes every step with a valid key (signed list + one-byte read)", async () => {
    const key = await mintKey();
    const session = await open(key);
    const result = await session.test();
    expect(result.ok).toBe(true);
    expect(stepsOf(result)).toEqual({ connect: "passed", authenticate: "passed", authorize: "passed", sample: "passed" });
    const listing = await stats(key, servers.s3Bucket!);
    expect(listing.requests).toBe(1);
    expect(listing.log[0]!.path).toContain("max-keys=1");
    expect(listing.log[0]!.status).toBe(200);
  });

  it("a wrong secret is rejected by the server's signature check (SignatureDoesNotMatch)", async () => {
    const key = await mintKey();
    const session = await open({ accessKeyId: key.accessKeyId, secretAccessKey: `${key.secretAccessKey}x` });
    const result = await session.test();
    expect(result.ok).toBe(false);
    expect(stepsOf(result)).toEqual({ connect: "passed", authenticate: "failed", authorize: "skipped", sample: "skipped" });
    const step = result.steps.find((s) => s.name === "authenticate")!;
    expect(step.code).toBe("SignatureDoesNotMatch");
    expect(step.message).toMatch(/secret access key does not match/);
    expect(JSON.stringify(result)).not.toContain(key.secretAccessKey);
    // the server saw the request and answered 403 itself
    const listing = await stats(key, servers.s3Bucket!);
    expect(listing.log.map((l) => l.status)).toEqual([403]);
  });

  it("an unknown access key id fails authentication with InvalidAccessKeyId", async () => {
    const session = await open({ accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "whatever-secret" });
    const result = await session.test();
    expect(result.ok).toBe(false);
    const step = result.steps.find((s) => s.name === "authenticate")!;
    expect(step).toMatchObject({ status: "failed", code: "InvalidAccessKeyId" });
    expect(step.message).toMatch(/access key id is not known/);
  });

  it("a missing bucket fails authorization with NoSuchBucket", async () => {
    const session = await open(mainKey, { config: { bucket: "no-such-bucket-here" } });
    const result = await session.test();
    expect(stepsOf(result)).toEqual({ connect: "passed", authenticate: "passed", authorize: "failed", sample: "skipped" });
    const step = result.steps.find((s) => s.name === "authorize")!;
    expect(step.code).toBe("NoSuchBucket");
    expect(step.message).toContain('Bucket "no-such-bucket-here" does not exist');
  });

  it("denied access fails authorization with AccessDenied", async () => {
    const session = await open({ accessKeyId: servers.s3DeniedAccessKeyId!, secretAccessKey: servers.s3DeniedSecretAccessKey! });
    const result = await session.test();
    expect(stepsOf(result)).toEqual({ connect: "passed", authenticate: "passed", authorize: "failed", sample: "skipped" });
    const step = result.steps.find((s) => s.name === "authorize")!;
    expect(step.code).toBe("AccessDenied");
    expect(step.message).toMatch(/denied/);
  });

  it("an empty bucket passes, with nothing to sample", async () => {
    const session = await open(mainKey, { config: { bucket: servers.s3EmptyBucket, prefix: undefined } });
    const result = await session.test();
    expect(result.ok).toBe(true);
    expect(result.steps.find((s) => s.name === "sample")!.message).toMatch(/no objects/);
  });

  it("the loopback endpoint is refused when private networks are not allowed", async () => {
    const key = await mintKey();
    const session = await open(key, { allowPrivateNetwork: false });
    const result = await session.test();
    expect(result.ok).toBe(false);
    const step = result.steps.find((s) => s.name === "connect")!;
    expect(step).toMatchObject({ status: "failed", code: "host_not_allowed" });
    const err = await rejection(session.listFiles!({ path: "", delimiter: "/" }, { limit: 10 }));
    expect(err.code).toBe("host_not_allowed");
    expect((await stats(key, servers.s3Bucket!)).requests).toBe(0); // nothing left the Worker
  });
});

describe("s3 signing and retries", () => {
  it("a session token is sent as a signed X-Amz-Security-Token header", async () => {
    const key = await mintKey();
    const session = await open(key, { sessionToken: "FwoGZXIvYXdzEXAMPLE-session-token" });
    const page = await session.listFiles!({ path: "csv/", delimiter: "/" }, { limit: 5 });
    expect(page.data.length).toBeGreaterThan(0);
    const listing = await stats(key, servers.s3Bucket!);
    expect(listing.log).toHaveLength(1);
    expect(listing.log[0]).toMatchObject({ status: 200, sessionToken: true });
  });

  it("5xx answers are retried (re-signed) at most twice", async () => {
    const key = await mintKey();
    const session = await open(key);
    await injectFaults(key, 2);
    const page = await session.listFiles!({ path: "csv/", delimiter: "/" }, { limit: 5 });
    expect(page.data.length).toBeGreaterThan(0);
    expect((await stats(key, servers.s3Bucket!)).log.map((l) => l.status)).toEqual([503, 503, 200]);

    const key2 = await mintKey();
    const session2 = await open(key2);
    await injectFaults(key2, 10);
    const err = await rejection(session2.inferFileSchema!({ path: "csv/simple.csv" }));
    expect(err).toMatchObject({ code: "rate_limited", engineCode: "SlowDown" });
    expect((await stats(key2, `${servers.s3Bucket}/data/csv/simple.csv`)).requests).toBe(3);
  });
});

describe("s3 connector definition", () => {
  it("declares files, fileSchema and preview only; other operations are capability_not_supported", async () => {
    expect([...s3Connector.capabilities].sort()).toEqual(["fileSchema", "files", "preview"]);
    const session = await open(mainKey);
    for (const call of [
      () => session.listCatalogs!({ limit: 10 }),
      () => session.listSchemas!({}, { limit: 10 }),
      () => session.listTables!({}, { limit: 10 }),
      () => session.listColumns!({ schema: "a", table: "b" }, { limit: 10 }),
      () => session.query!({ sql: "select 1", maxRows: 1, timeoutMs: 1000 }),
    ]) {
      const err = await rejection(call());
      expect(err.code).toBe("capability_not_supported");
    }
  });

  it("hosts() is the host it contacts, for path-style, virtual-host and default AWS endpoints", () => {
    expect(s3Connector.hosts(config())).toEqual(["127.0.0.1"]);
    const virtual = s3Config.parse({ bucket: "my-bucket", region: "auto", endpoint: "https://acct.r2.cloudflarestorage.com" });
    expect(s3Connector.hosts(virtual)).toEqual(["my-bucket.acct.r2.cloudflarestorage.com"]);
    expect(resolveEndpoint(virtual).origin).toBe("https://my-bucket.acct.r2.cloudflarestorage.com");
    const aws = s3Config.parse({ bucket: "data-lake", region: "eu-west-1" });
    expect(s3Connector.hosts(aws)).toEqual(["data-lake.s3.eu-west-1.amazonaws.com"]);
    const gcs = s3Config.parse({ bucket: "b1x", region: "auto", endpoint: "https://storage.googleapis.com", addressing: "path" });
    expect(s3Connector.hosts(gcs)).toEqual(["storage.googleapis.com"]);
    expect(resolveEndpoint(gcs)).toMatchObject({ origin: "https://storage.googleapis.com", basePath: "/b1x" });
  });

  it("config is strict and keys are encoded for the URL path", () => {
    expect(s3Config.safeParse({ bucket: "b1x", region: "us-east-1", extra: 1 }).success).toBe(false);
    expect(s3Config.safeParse({ bucket: "b1x", region: "us-east-1", endpoint: "https://u:p@host" }).success).toBe(false);
    expect(encodeKey("a b/ü+x=(1)!.csv")).toBe("a%20b/%C3%BC%2Bx%3D%281%29%21.csv");
  });

  it("open() needs an accessKey credential", async () => {
    await expect(s3Connector.open(config(), null, undefined as never)).rejects.toBeInstanceOf(ConnectorError);
    const cred = credential(mainKey);
    await expect(s3Connector.open(config(), { ...cred, method: "other" }, undefined as never)).rejects.toThrow(/accessKey/);
  });

  it("paths cannot climb out of the root prefix", async () => {
    const session = await open(mainKey);
    for (const path of ["../outside-root.txt", "csv/../../outside-root.txt", "./x"]) {
      const err = await rejection(session.inferFileSchema!({ path }));
      expect(err.code).toBe("invalid_request");
    }
  });
});
