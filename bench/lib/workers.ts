// Runs Workers under `wrangler dev` (local workerd) for the benchmark: ours from the minified bundle
// the bundle step produced, and the bare baseline, each on its own loopback port with its own
// --persist-to directory. Both D1 databases are migrated and seeded with the same SQL.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { descendants, memoryOf, start, stop } from "./procs";

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, "../..");
export const BENCH_ENV = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export function mainToml(file = join(ROOT, "wrangler.toml")) {
  const text = readFileSync(file, "utf8");
  const get = (k: string) => new RegExp(`^${k}\\s*=\\s*(.+)$`, "m").exec(text)?.[1]?.trim() ?? "";
  return {
    compatibilityDate: JSON.parse(get("compatibility_date")) as string,
    compatibilityFlags: get("compatibility_flags"),
    databaseId: JSON.parse(get("database_id")) as string,
    keepNames: get("keep_names") || "true",
  };
}

// Our Worker's config for the bench: the same bindings as wrangler.toml, but loopback egress allowed
// (the warehouses are local servers) and rate limits raised so the load test measures the Worker,
// not the limiter (the limiter binding is still called on every request).
// toml: the wrangler.toml whose settings it copies (another checkout's, for bench/ab.ts).
export function writeOursConfig(dir: string, bundle: string, toml = join(ROOT, "wrangler.toml")) {
  const m = mainToml(toml);
  mkdirSync(dir, { recursive: true });
  const text = `name = "connections-api-bench"
main = ${JSON.stringify(bundle)}
compatibility_date = ${JSON.stringify(m.compatibilityDate)}
compatibility_flags = ${m.compatibilityFlags}
keep_names = ${m.keepNames}

[[d1_databases]]
binding = "DB"
database_name = "connections"
database_id = ${JSON.stringify(m.databaseId)}
migrations_dir = ${JSON.stringify(join(ROOT, "migrations"))}

[[ratelimits]]
name = "RL_METADATA"
namespace_id = "1001"
simple = { limit = 100000000, period = 60 }

[[ratelimits]]
name = "RL_WAREHOUSE"
namespace_id = "1002"
simple = { limit = 100000000, period = 60 }

[vars]
ALLOW_PRIVATE_NETWORK = "true"
JWT_WORKSPACE_CLAIM = "workspace_id"
`;
  writeFileSync(join(dir, "wrangler.toml"), text);
  writeFileSync(join(dir, ".dev.vars"), `ENCRYPTION_KEYS=bench:${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
  return join(dir, "wrangler.toml");
}

export const BARE_CONFIG = join(ROOT, "bench/bare-worker/wrangler.toml");

// A variant of the bare worker that also makes the platform calls one of our behaviours needs (see
// bench/bare-worker/index.ts): the same bindings as ours, with the same raised limit.
export function writeBareConfig(dir: string, opts: { limit: boolean; keyCheck: boolean; session: boolean }) {
  mkdirSync(dir, { recursive: true });
  const base = readFileSync(BARE_CONFIG, "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(join(ROOT, "bench/bare-worker/index.ts"))}`)
    .replace(/^migrations_dir = .*$/m, `migrations_dir = ${JSON.stringify(join(ROOT, "migrations"))}`)
    .replace(/^LIMIT = .*$/m, `LIMIT = "${opts.limit}"`)
    .replace(/^KEY_CHECK = .*$/m, `KEY_CHECK = "${opts.keyCheck}"`)
    .replace(/^SESSION = .*$/m, `SESSION = "${opts.session}"`);
  const limiter = `
[[ratelimits]]
name = "RL"
namespace_id = "1001"
simple = { limit = 100000000, period = 60 }
`;
  writeFileSync(join(dir, "wrangler.toml"), base + limiter);
  return join(dir, "wrangler.toml");
}

export function checkSameCompatibility() {
  const bare = readFileSync(BARE_CONFIG, "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(bare)?.[1];
  const main = mainToml().compatibilityDate;
  if (date !== main) throw new Error(`bench/bare-worker/wrangler.toml compatibility_date ${date} differs from wrangler.toml ${main}`);
  return main;
}

async function wrangler(args: string[]) {
  const { stdout } = await run("npx", ["wrangler", ...args], { cwd: ROOT, env: BENCH_ENV, maxBuffer: 64 << 20 });
  return stdout;
}

export async function migrate(config: string, persistTo: string) {
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo, "-c", config]);
}

export async function d1Exec(config: string, persistTo: string, sqlFile: string) {
  await wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "-c", config, "--file", sqlFile, "--yes"]);
}

export type DevWorker = { url: string; port: number; inspectorPort: number; pid: number; workerdPid: () => number | null; stop: () => Promise<void>; log: () => string };

export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function devWorker(label: string, config: string, persistTo: string, port: number): Promise<DevWorker> {
  const inspector = await freePort();
  const { child, log } = start(
    "npx",
    ["wrangler", "dev", "-c", config, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--inspector-port", String(inspector), "--log-level", "warn", "--show-interactive-dev-session=false"],
    { cwd: ROOT, env: BENCH_ENV, label },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label}: wrangler dev exited (${child.exitCode})\n${log().slice(-3000)}`);
    try {
      const res = await fetch(`${url}/__bench_ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${label}: wrangler dev not ready in 120 s\n${log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  // wrangler dev runs two workerd processes (its own proxy worker and the user worker): the user
  // worker's is the one holding the D1 files under --persist-to open.
  const workerdPid = () => {
    const found = descendants(child.pid!).filter((p) => p.comm === "workerd");
    const holdsState = found.find((p) => {
      try {
        return readdirSync(`/proc/${p.pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${p.pid}/fd/${fd}`).startsWith(resolve(persistTo));
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    });
    return holdsState?.pid ?? null;
  };
  return { url, port, inspectorPort: inspector, pid: child.pid!, workerdPid, stop: () => stop(child), log };
}

export function workerdMemory(w: DevWorker) {
  const pid = w.workerdPid();
  return pid ? { pid, ...memoryOf(pid) } : null;
}

export async function workerdVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules/workerd/package.json"), "utf8"));
    return pkg.version;
  } catch {
    return "unknown";
  }
}
