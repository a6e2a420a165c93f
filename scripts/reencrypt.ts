// npm run secrets:reencrypt [-- --remote]
// Re-encrypts every credential in every workspace under the newest key of ENCRYPTION_KEYS. The key
// ring comes from the environment (remote) or .dev.vars (local); keys never go to D1 or to logs.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadKeyRing, openSecrets, sealSecrets } from "../src/lib/secrets-crypto";
import { d1, sqlText } from "./wrangler-d1";

const { values } = parseArgs({ options: { remote: { type: "boolean", default: false }, batch: { type: "string", default: "100" } } });
const remote = values.remote ?? false;

function keySpec(): string | undefined {
  if (process.env.ENCRYPTION_KEYS) return process.env.ENCRYPTION_KEYS;
  if (!remote && existsSync(".dev.vars")) return /^ENCRYPTION_KEYS=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();
  return undefined;
}

const spec = keySpec();
if (!spec) {
  console.error("Set ENCRYPTION_KEYS (the same value as the Worker secret, newest key last).");
  process.exit(2);
}
const ring = await loadKeyRing(spec);
const batch = Number(values.batch);
let total = 0;
for (;;) {
  const rows = d1(
    `SELECT id, workspace_id, ciphertext FROM credentials WHERE key_id <> ${sqlText(ring.currentId)} LIMIT ${batch}`,
    remote,
  ) as Array<{ id: string; workspace_id: string; ciphertext: string }>;
  if (!rows.length) break;
  const updates: string[] = [];
  for (const row of rows) {
    const secrets = await openSecrets(ring, row.workspace_id, row.id, row.ciphertext);
    const sealed = await sealSecrets(ring, row.workspace_id, row.id, secrets);
    // Guarded by the old ciphertext, so a rotation through the API meanwhile is never overwritten.
    updates.push(
      `UPDATE credentials SET ciphertext = ${sqlText(sealed.envelope)}, key_id = ${sqlText(sealed.keyId)} WHERE id = ${sqlText(row.id)} AND ciphertext = ${sqlText(row.ciphertext)};`,
    );
  }
  d1(updates.join("\n"), remote);
  total += rows.length;
  console.log(`re-encrypted ${total} so far`);
}
console.log(`done: ${total} credentials re-encrypted under key ${ring.currentId}`);
