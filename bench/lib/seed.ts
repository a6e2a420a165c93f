// The rows both D1 databases are seeded with (the same SQL file for ours and the bare worker): one
// workspace, one read API key (made the way scripts/key-create.ts makes keys), and connections of
// three types so `?type=postgres` returns a full page of 50.
import { writeFileSync } from "node:fs";
import { mintApiKey } from "../../src/lib/api-keys";
import { sha256Hex } from "../../src/lib/encoding";
import { newId } from "../../src/lib/ids";

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

export type Seed = { workspaceId: string; token: string; writeToken: string; connectionId: string; sqlFile: string; counts: Record<string, number> };

export async function writeSeed(sqlFile: string): Promise<Seed> {
  const workspaceId = newId("ws");
  const now = Date.now();
  const lines = [`INSERT INTO workspaces (id, name, created_at) VALUES (${q(workspaceId)}, 'bench', ${now});`];
  const keys: Record<string, string> = {};
  for (const scope of ["read", "write"] as const) {
    const keyId = newId("key");
    const token = mintApiKey(scope, workspaceId, keyId);
    keys[scope] = token;
    lines.push(
      `INSERT INTO api_keys (id, workspace_id, name, hash, scope, created_at, expires_at) VALUES (${q(keyId)}, ${q(workspaceId)}, 'bench-${scope}', ${q(await sha256Hex(token))}, ${q(scope)}, ${now}, NULL);`,
    );
  }
  const counts = { postgres: 60, s3: 20, snowflake: 10 };
  const configs: Record<string, unknown> = {
    postgres: { host: "db.example.com", port: 5432, database: "analytics", sslMode: "require", transport: "auto" },
    s3: { bucket: "sales-data", region: "eu-west-1", addressing: "virtual", prefix: "exports/" },
    snowflake: { account: "acme-xy12345", warehouse: "COMPUTE_WH", database: "ANALYTICS", schema: "PUBLIC", role: "ANALYST" },
  };
  let first = "";
  for (const [type, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) {
      const id = newId("conn");
      first ||= id;
      const name = `${type} connection ${String(i).padStart(3, "0")}`;
      lines.push(
        `INSERT INTO connections (id, workspace_id, name, name_key, type, config, credential_id, version, created_at, updated_at) VALUES (${q(id)}, ${q(workspaceId)}, ${q(name)}, ${q(name.toLowerCase())}, ${q(type)}, ${q(JSON.stringify(configs[type]))}, NULL, 1, ${now}, ${now});`,
      );
    }
  }
  writeFileSync(sqlFile, lines.join("\n") + "\n");
  return { workspaceId, token: keys.read!, writeToken: keys.write!, connectionId: first, sqlFile, counts };
}
