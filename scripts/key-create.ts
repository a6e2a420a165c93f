// npm run key:create -- --workspace <name> [--scope admin|write|read] [--name <label>] [--expires-days N] [--remote]
// Creates the workspace if needed and prints a new API key as the last line of output.
import { parseArgs } from "node:util";
import { mintApiKey, SCOPES, type Scope } from "../src/lib/api-keys";
import { sha256Hex } from "../src/lib/encoding";
import { newId } from "../src/lib/ids";
import { applyMigrations, d1, sqlText } from "./wrangler-d1";

const { values } = parseArgs({
  options: {
    workspace: { type: "string" },
    scope: { type: "string", default: "admin" },
    name: { type: "string", default: "cli" },
    "expires-days": { type: "string" },
    remote: { type: "boolean", default: false },
  },
});

const workspace = values.workspace ?? "";
if (!/^[A-Za-z0-9 _.-]{1,100}$/.test(workspace)) {
  console.error("--workspace <name> is required: letters, digits, space, _ . - (at most 100)");
  process.exit(2);
}
if (!SCOPES.includes(values.scope as Scope)) {
  console.error(`--scope must be one of ${SCOPES.join(", ")}`);
  process.exit(2);
}
const days = values["expires-days"] ? Number(values["expires-days"]) : null;
if (days !== null && !(days > 0)) {
  console.error("--expires-days must be a positive number");
  process.exit(2);
}

const remote = values.remote ?? false;
applyMigrations(remote);
const found = d1(`SELECT id FROM workspaces WHERE name = ${sqlText(workspace)}`, remote);
const workspaceId = (found[0]?.id as string | undefined) ?? newId("ws");
const keyId = newId("key");
const scope = values.scope as Scope;
const token = mintApiKey(scope, workspaceId, keyId);
const now = Date.now();
const expiresAt = days ? now + days * 86_400_000 : null;
d1(
  `INSERT OR IGNORE INTO workspaces (id, name, created_at) VALUES (${sqlText(workspaceId)}, ${sqlText(workspace)}, ${now});
   INSERT INTO api_keys (id, workspace_id, name, hash, scope, created_at, expires_at)
   VALUES (${sqlText(keyId)}, ${sqlText(workspaceId)}, ${sqlText(values.name!)}, ${sqlText(await sha256Hex(token))}, ${sqlText(scope)}, ${now}, ${expiresAt ?? "NULL"});`,
  remote,
);
console.log(`workspace ${workspace} (${workspaceId}), key ${keyId}, scope ${scope}${expiresAt ? `, expires ${new Date(expiresAt).toISOString()}` : ""}`);
console.log("Store this key now; it is not shown again:");
console.log(token);
