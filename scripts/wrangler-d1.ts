import { execFileSync } from "node:child_process";

// Runs SQL against the D1 database through wrangler: local state (.wrangler/) or the deployed one.
export function d1(sql: string, remote: boolean): Array<Record<string, unknown>> {
  const out = execFileSync(
    "npx",
    ["wrangler", "d1", "execute", "DB", remote ? "--remote" : "--local", "--json", "--command", sql],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, CI: "true" } },
  );
  const parsed = JSON.parse(out) as Array<{ results: Array<Record<string, unknown>> }>;
  return parsed.flatMap((r) => r.results ?? []);
}

export function applyMigrations(remote: boolean) {
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", remote ? "--remote" : "--local"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, CI: "true" },
  });
}

export const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
