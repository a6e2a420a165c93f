import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkDatabaseId, checkSecrets, KEY_COMMAND, PLACEHOLDER_DATABASE_ID, secretsToUpload } from "../../scripts/deploy-checks";

// The path to production: wrangler accepts the deploy configuration, `npm run deploy` refuses what
// would deploy a broken Worker, and the README's deploy section names everything the Worker reads.
const root = new URL("../..", import.meta.url).pathname;
const read = (p: string) => readFileSync(join(root, p), "utf8");
const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true", ...env }, timeout: 120_000 });

const outdir = mkdtempSync(join(tmpdir(), "dry-run-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// Every field of the Bindings type in src/env.ts: bindings, vars and secrets.
const bindingNames = () => {
  const body = /export type Bindings = \{([\s\S]*?)\n\};/.exec(read("src/env.ts"))![1]!;
  return [...body.matchAll(/^\s*([A-Z][A-Z0-9_]*)\??:/gm)].map((m) => m[1]!);
};

describe("deploying", () => {
  it("wrangler deploy --dry-run accepts the configuration and binds what the Worker uses", () => {
    const r = run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir]);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/env\.DB \(connections\)\s+D1 Database/);
    expect(out).toMatch(/env\.RL_METADATA \(600 requests\/60s\)\s+Rate Limit/);
    expect(out).toMatch(/env\.RL_WAREHOUSE \(60 requests\/60s\)\s+Rate Limit/);
    expect(out).toMatch(/env\.ALLOW_PRIVATE_NETWORK \("false"\)\s+Environment Variable/);
    expect(out).toMatch(/Read \d+ files? from the assets directory .*dist\/public/); // Scalar's bundle for /docs
    expect(out).toContain("--dry-run: exiting now.");
  });

  it("npm run deploy refuses the placeholder database_id before contacting anything", () => {
    expect(read("wrangler.toml")).toContain(PLACEHOLDER_DATABASE_ID);
    const r = run("npx", ["tsx", "scripts/deploy.ts"], { ENCRYPTION_KEYS: "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Not deploying");
    expect(r.stderr).toContain("database_id is the placeholder");
    expect(r.stderr).toContain("npx wrangler d1 create connections");
    expect(r.stdout).not.toContain("applying D1 migrations");
  });

  it("accepts a real D1 id and refuses ids that are not one", () => {
    expect(checkDatabaseId('database_id = "2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b"')).toEqual([]);
    expect(checkDatabaseId('database_id = "<your id>"')[0]).toContain('not a D1 id ("<your id>")');
    expect(checkDatabaseId("name = 'x'")).toEqual(["wrangler.toml has no [[d1_databases]] database_id"]);
  });

  it("refuses to deploy without ENCRYPTION_KEYS, or with a malformed one", async () => {
    const missing = await checkSecrets(null, {});
    expect(missing).toHaveLength(1);
    expect(missing[0]).toContain("ENCRYPTION_KEYS is not set on the Worker (its secrets could not be listed)");
    expect(missing[0]).toContain(KEY_COMMAND);
    expect(await checkSecrets(["JWT_HS256_SECRET"], {})).toHaveLength(1);
    expect((await checkSecrets(null, { ENCRYPTION_KEYS: "k1:c2hvcnQ" }))[0]).toContain("ENCRYPTION_KEYS in the environment is not usable: ENCRYPTION_KEYS key k1 is not 32 bytes");
    expect(await checkSecrets(["ENCRYPTION_KEYS"], {})).toEqual([]);
  });

  it("the README's key command makes a key the Worker accepts", async () => {
    const r = run("bash", ["-c", KEY_COMMAND]);
    expect(r.status).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^k1:[A-Za-z0-9_-]{43}$/);
    expect(await checkSecrets(null, { ENCRYPTION_KEYS: key })).toEqual([]);
    expect(secretsToUpload({ ENCRYPTION_KEYS: key, JWT_HS256_SECRET: "s", PATH: "/bin" })).toEqual({ ENCRYPTION_KEYS: key, JWT_HS256_SECRET: "s" });
  });

  it("the README's deploy section gives the commands and names every binding, var and secret of src/env.ts", () => {
    const readme = read("README.md");
    const start = readme.indexOf("\n## Deploying to Cloudflare\n");
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 5));
    expect(section).toContain(KEY_COMMAND);
    for (const step of ["npx wrangler login", "npx wrangler d1 create connections", "npm run deploy", "npm run key:create -- --workspace acme --remote"]) {
      expect(section).toContain(step);
    }
    const names = bindingNames();
    expect(names).toEqual(expect.arrayContaining(["DB", "ENCRYPTION_KEYS", "RL_METADATA"]));
    for (const name of names) expect(section, `${name} is not explained in the deploy section`).toContain(`\`${name}\``);
  });
});
