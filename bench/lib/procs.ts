// Child processes started by the benchmark. Each runs in its own process group (detached), so
// killing the group also ends what it spawned (wrangler -> workerd). Everything is killed at the
// end of a run, on failure, and on Ctrl-C; only the groups started here are ever signalled.
import { execSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void> | void> = [];

export function track(child: ChildProcess) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function start(cmd: string, args: string[], opts: SpawnOptions & { label: string }) {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  const keep = (b: Buffer) => {
    log.push(b.toString());
    if (log.length > 400) log.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  track(child);
  return { child, log: () => log.join("") };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

export async function stop(child: ChildProcess, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  killGroup(child, "SIGTERM");
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
  if ((await Promise.race([exited, timer])) === "timeout") killGroup(child, "SIGKILL");
  // The group may outlive its leader (workerd after wrangler): make sure it is gone.
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
}

export function onCleanup(fn: () => Promise<void> | void) {
  cleanups.push(fn);
}

let cleaning: Promise<void> | null = null;
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error("cleanup failed:", (e as Error).message);
      }
    }
    await Promise.all([...children].map((c) => stop(c)));
  })();
  return cleaning;
}

/** Runs a bench entry point: cleans up every child on success or failure, exits 0 or 1. */
export function runMain(main: () => Promise<void>): void {
  main()
    .then(() => cleanupAll())
    .then(() => process.exit(0))
    .catch(async (err) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      await cleanupAll();
      process.exit(1);
    });
}

// Last resort on a synchronous exit: SIGKILL every remaining group.
process.on("exit", () => {
  for (const c of children) killGroup(c, "SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping child processes`);
    cleanupAll().finally(() => process.exit(130));
  });
}

// Processes below a pid (by walking /proc), e.g. the workerd that a wrangler dev runs.
export function descendants(pid: number): Array<{ pid: number; comm: string }> {
  const parentOf = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      parentOf.set(Number(entry), Number(fields[1]));
      comm.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
    } catch {}
  }
  const out: Array<{ pid: number; comm: string }> = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push({ pid: child, comm: comm.get(child) ?? "" });
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

// Resident set size and its high-water mark (kB) of a process, from /proc/<pid>/status.
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: get("VmRSS"), hwmKb: get("VmHWM") };
}

// CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat.
let ticksPerSecond = 0;
export function cpuMsOf(pid: number): number {
  if (!ticksPerSecond) {
    try {
      ticksPerSecond = Number(execSync("getconf CLK_TCK", { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
