// npm run deploy: refuses placeholders and missing secrets, applies the D1 migrations to the remote
// database, then `wrangler deploy`, uploading ENCRYPTION_KEYS / JWT_HS256_SECRET from the environment
// when they are set there. See README "Deploying to Cloudflare". Run after `npx wrangler login`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDatabaseId, checkSecrets, secretsToUpload } from "./deploy-checks";

function refuse(problems: string[]): never {
  console.error("Not deploying:");
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}

function wrangler(args: string[], capture = false): string {
  const r = spawnSync("npx", ["wrangler", ...args], {
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, CI: "true" },
  });
  if (r.status !== 0) throw new Error(capture ? `${r.stderr || r.stdout}`.trim() : `wrangler ${args.join(" ")} failed`);
  return r.stdout ?? "";
}

// Names of the secrets set on the deployed Worker, or null before its first deploy (or when not logged in).
function remoteSecretNames(): string[] | null {
  try {
    const listed = JSON.parse(wrangler(["secret", "list", "--format", "json"], true)) as Array<{ name: string }>;
    return listed.map((s) => s.name);
  } catch (err) {
    console.error(`(could not list the Worker's secrets: ${(err as Error).message.split("\n").slice(-3).join(" ")})`);
    return null;
  }
}

const configProblems = checkDatabaseId(readFileSync("wrangler.toml", "utf8"));
if (configProblems.length) refuse(configProblems);

const remote = remoteSecretNames();
const secretProblems = await checkSecrets(remote, process.env);
if (secretProblems.length) refuse(secretProblems);

console.log("applying D1 migrations to the remote database ...");
wrangler(["d1", "migrations", "apply", "DB", "--remote"]);

const upload = secretsToUpload(process.env);
const dir = mkdtempSync(join(tmpdir(), "deploy-"));
try {
  const args = ["deploy"];
  if (Object.keys(upload).length) {
    const file = join(dir, "secrets.json");
    writeFileSync(file, JSON.stringify(upload), { mode: 0o600 });
    args.push("--secrets-file", file);
    console.log(`uploading secrets: ${Object.keys(upload).join(", ")}`);
  }
  wrangler(args);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const firstDeploy = remote === null;
console.log(
  firstDeploy
    ? "Deployed. Create the first admin API key: npm run key:create -- --workspace <name> --remote"
    : "Deployed.",
);
