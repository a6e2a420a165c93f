import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, PG_ROLES } from "./postgres";
import type { Started } from "./index";

// Debian's PgBouncer (installed by .ci/run) on a free loopback port in front of the embedded
// PostgreSQL, in transaction mode with a pool of 2 server connections per user and database, so
// that sessions share server connections as behind any transaction pooler. Clients authenticate with
// SCRAM-SHA-256 against the test roles' passwords (test-only values).
const BINARY = "/usr/sbin/pgbouncer";

export async function start(shared: Record<string, string>): Promise<Started> {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: apt-get install pgbouncer (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), "pgbouncer-test-"));
  await chmod(dir, 0o755);
  const port = await freePort();
  const users: Array<[string, string]> = [
    [PG_ROLES.owner, PG_ROLES.ownerPassword],
    [PG_ROLES.reader, PG_ROLES.readerPassword],
    [PG_ROLES.md5User, PG_ROLES.md5Password],
  ];
  await writeFile(join(dir, "userlist.txt"), users.map(([u, p]) => `"${u}" "${p}"\n`).join(""), { mode: 0o644 });
  await writeFile(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${shared.pgHost ?? "127.0.0.1"} port=${shared.pgPort}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      "default_pool_size = 2",
      "max_client_conn = 100",
      // No log or pid file: it logs to stderr (kept for a failed start) and is not a daemon.
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  // PgBouncer refuses to run as root; -u drops to the postgres user (which the embedded server uses too).
  const args = process.getuid?.() === 0 ? ["-u", "postgres", join(dir, "pgbouncer.ini")] : [join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(BINARY, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };
  process.once("exit", () => child.kill("SIGKILL"));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || i > 100) {
      await stop();
      throw new Error(`pgbouncer did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { addresses: { pgbouncerPort: String(port) }, stop };
}
