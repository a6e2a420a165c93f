// Prepares local development: a .dev.vars with a fresh encryption key (kept across restarts, never
// committed) and the D1 migrations applied to local state.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { applyMigrations } from "./wrangler-d1";

const path = ".dev.vars";
const current = existsSync(path) ? readFileSync(path, "utf8") : "";
const lines: string[] = [];
if (!/^ENCRYPTION_KEYS=/m.test(current)) lines.push(`ENCRYPTION_KEYS=local1:${randomBytes(32).toString("base64url")}`);
if (!/^ALLOW_PRIVATE_NETWORK=/m.test(current)) lines.push("ALLOW_PRIVATE_NETWORK=true");
if (lines.length) writeFileSync(path, current + (current && !current.endsWith("\n") ? "\n" : "") + lines.join("\n") + "\n", { mode: 0o600 });
applyMigrations(false);
console.log("local D1 migrated; .dev.vars ready");
