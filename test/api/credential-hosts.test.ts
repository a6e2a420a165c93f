import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { newId } from "../../src/lib/ids";
import { mergePatch } from "../../src/services/connection-config";
import { addKey, api, expectProblem, newWorkspace } from "../helpers";

// A stored secret travels only to the hosts its credential is approved for. The "attacker" is a
// write-scope key of the same workspace that points a connection at its own server: the recorder on
// 127.0.0.2 (test/servers/recorder.ts), which keeps every connection and byte that reaches it. On
// every path the API answers 403 host_not_approved and the recorder sees nothing; after the documented
// approval step the same call reaches it, secret included, which shows the recorder would have caught it.
const s = inject("servers");
type Recorded = { connections: number; entries: string[] };
const recorded = async () => (await (await fetch(s.recorderLogUrl!)).json()) as Recorded;
const scope = (label: string) => `hosts-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

type Engine = {
  type: string;
  credential: Record<string, unknown>;
  config: () => Record<string, unknown>;
  // Config patches that send the secret to the recorder.
  attacks: Array<Record<string, unknown>>;
  // What shows on the recorder once the credential is approved for it.
  reveals: string[];
  sqlOp: boolean;
};

const pgCredential = () => ({ method: "password", identity: { user: s.pgUser }, secrets: { password: s.pgPassword } });
const pgBase = () => ({ host: s.pgHost, port: Number(s.pgPort), database: s.pgDatabase, sslMode: "disable" });

const ENGINES: Record<string, () => Engine> = {
  "postgres over websocket": () => ({
    type: "postgres",
    credential: pgCredential(),
    config: () => ({ ...pgBase(), transport: "websocket", webSocketProxy: s.wsProxyUrl }),
    // The proxy itself (also spelled as one hex number, as the URL parser reads it), and the database
    // host dialled by our (approved) proxy.
    attacks: [
      { webSocketProxy: s.recorderWsUrl },
      { webSocketProxy: `ws://0x7f000002:${s.recorderPort}` },
      { host: s.recorderHost, port: Number(s.recorderPort) },
    ],
    // Through an unencrypted (ws:) proxy the client will not answer a cleartext password request
    // either; the startup message (user and database) is what arrives once the host is approved.
    reveals: [`user\u0000${s.pgUser}`],
    sqlOp: true,
  }),
  "postgres over tcp": () => ({
    type: "postgres",
    credential: pgCredential(),
    config: () => ({ ...pgBase(), transport: "tcp" }),
    attacks: [{ host: s.recorderHost, port: Number(s.recorderTcpPort) }, { host: "0x7f000002", port: Number(s.recorderTcpPort) }],
    // Over plain TCP the client will not answer a cleartext password request; the startup message
    // (user and database) is what arrives once the host is approved.
    reveals: [`user\u0000${s.pgUser}`],
    sqlOp: true,
  }),
  "postgres over http": () => ({
    type: "postgres",
    credential: pgCredential(),
    config: () => ({ ...pgBase(), transport: "http", httpEndpoint: `${s.neonHttpOrigin}/sql` }),
    attacks: [{ httpEndpoint: `${s.recorderOrigin}/sql` }],
    reveals: [encodeURIComponent(s.pgPassword!)],
    sqlOp: true,
  }),
  "snowflake (programmatic access token)": () => ({
    type: "snowflake",
    credential: { method: "programmaticAccessToken", identity: {}, secrets: { token: s.snowflakePat } },
    config: () => ({ account: s.snowflakeAccount, warehouse: "TEST_WH", database: "SFDEMO", role: "ANALYST", endpoint: `${s.snowflakeEndpoint}/s/${scope("sf")}` }),
    attacks: [{ endpoint: s.recorderOrigin }],
    reveals: [s.snowflakePat!],
    sqlOp: true,
  }),
  "databricks (personal access token)": () => ({
    type: "databricks",
    credential: { method: "personalAccessToken", identity: {}, secrets: { token: s.databricksPat } },
    config: () => ({ host: s.databricksHost, warehouseId: s.databricksWarehouseId, catalog: "main", schema: "sales", endpoint: `${s.databricksEndpoint}/s/${scope("dbx")}` }),
    attacks: [{ endpoint: s.recorderOrigin }, { host: s.recorderHost, endpoint: null }],
    reveals: [s.databricksPat!],
    sqlOp: true,
  }),
  "s3 (access key)": () => ({
    type: "s3",
    credential: { method: "accessKey", identity: { accessKeyId: s.s3AccessKeyId }, secrets: { secretAccessKey: s.s3SecretAccessKey } },
    config: () => ({ bucket: s.s3Bucket, region: s.s3Region, endpoint: s.s3Endpoint, addressing: "path" }),
    attacks: [{ endpoint: s.recorderOrigin }],
    // SigV4 never sends the secret key itself: the key id and a signature made with it arrive.
    reveals: [s.s3AccessKeyId!],
    sqlOp: false,
  }),
};

function expectRefused(res: Awaited<ReturnType<typeof api>>, label: string) {
  try {
    expectProblem(res, 403, "host_not_approved");
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}`);
  }
  expect(res.json.hosts, label).toContain("127.0.0.2");
  expect(res.json.detail, label).toContain("127.0.0.2");
}

async function setup(e: Engine) {
  const { token: owner, workspaceId } = await newWorkspace("write");
  const cred = await api("/api/credentials", { method: "POST", token: owner, body: { name: "cred", type: e.type, ...e.credential } });
  expect(cred.status).toBe(201);
  expect(cred.json.approvedHosts).toEqual([]);
  const conn = await api("/api/connections", { method: "POST", token: owner, body: { name: "legit", type: e.type, config: e.config(), credentialId: cred.json.id } });
  expect(conn.status, JSON.stringify(conn.json)).toBe(201);
  const attacker = await addKey(workspaceId, "write");
  return { owner, attacker, workspaceId, credId: cred.json.id as string, connId: conn.json.id as string, config: conn.json.config };
}

// Every operation on a saved connection that decrypts its credential.
function operations(e: Engine, id: string) {
  const ops: Array<[string, string, unknown?]> = [
    ["test", `/api/connections/${id}/test`, {}],
    ["preview", `/api/connections/${id}/preview?table=t&schema=s`],
  ];
  if (e.type === "s3") ops.push(["files", `/api/connections/${id}/files`], ["cloud-schema", `/api/connections/${id}/cloud-schema?path=a.csv`]);
  else {
    ops.push(
      ["tables", `/api/connections/${id}/tables`],
      ["tables by query", `/api/connections/tables?connectionId=${id}`],
      ["columns", `/api/connections/${id}/columns?schema=s&table=t`],
      ["columns by query", `/api/connections/columns?connectionId=${id}&schema=s&table=t`],
      ["schemas", `/api/connections/${id}/schemas`],
      ["catalogs", `/api/connections/${id}/catalogs`],
    );
  }
  if (e.type === "databricks") ops.push(["discover", "/api/connections/databricks/discover", { connectionId: id }]);
  if (e.sqlOp) ops.push(["test-query", "/api/connections/test-query", { connectionId: id, sql: "SELECT 1" }]);
  return ops;
}

for (const [label, make] of Object.entries(ENGINES)) {
  describe(`${label}: the secret only travels to approved hosts`, () => {
    it("refuses every path to another host before a byte is sent, and the approval step opens it", async () => {
      const e = make();
      const { owner, attacker, workspaceId, credId, connId, config } = await setup(e);
      // The legitimate connection approved its hosts on first use by the key that supplied the secret.
      const cred = await api(`/api/credentials/${credId}`, { token: owner });
      expect(cred.json.approvedHosts).not.toContain("127.0.0.2");
      expect(cred.json.approvedHosts.length).toBeGreaterThan(0);
      expect((await api(`/api/connections/${connId}/test`, { method: "POST", token: owner })).json.ok).toBe(true);

      const before = await recorded();
      for (const [i, attack] of e.attacks.entries()) {
        const evil = mergePatch(config, attack) as Record<string, unknown>;
        for (const [who, token] of [["attacker", attacker], ["owner", owner]] as const) {
          const tag = `${who} attack ${i}`;
          expectRefused(await api("/api/connections", { method: "POST", token, body: { name: `evil-${who}-${i}`, type: e.type, config: evil, credentialId: credId } }), `create: ${tag}`);
          expectRefused(await api(`/api/connections/${connId}`, { method: "PUT", token, body: { config: attack } }), `PUT config: ${tag}`);
          expectRefused(await api("/api/connections/test", { method: "POST", token, body: { type: e.type, config: evil, credentialId: credId } }), `test settings: ${tag}`);
          expectRefused(await api(`/api/connections/${connId}/test`, { method: "POST", token, body: { config: attack } }), `test saved with edits: ${tag}`);
          // A connection without a credential on that host, then the credential attached to it.
          const bare = await api("/api/connections", { method: "POST", token, body: { name: `bare-${who}-${i}`, type: e.type, config: evil } });
          expect(bare.status).toBe(201);
          expectRefused(await api(`/api/connections/${bare.json.id}`, { method: "PUT", token, body: { credentialId: credId } }), `PUT credentialId: ${tag}`);
        }
        // A row changed outside the API (or by a bug): every operation refuses at the point of decryption.
        await env.DB.prepare("UPDATE connections SET config = ? WHERE id = ?").bind(JSON.stringify(evil), connId).run();
        for (const [op, path, body] of operations(e, connId)) {
          expectRefused(await api(path, { method: body ? "POST" : "GET", token: attacker, body: body && Object.keys(body as object).length ? body : undefined }), `${op} on a changed row: attack ${i}`);
        }
        await env.DB.prepare("UPDATE connections SET config = ? WHERE id = ?").bind(JSON.stringify(config), connId).run();
      }
      const after = await recorded();
      expect(after.connections - before.connections).toBe(0);
      expect(after.entries.length).toBe(before.entries.length);
      // The stored connection was not changed by the refused PUTs, and still works.
      expect((await api(`/api/connections/${connId}`, { token: owner })).json.config).toEqual(config);
      const rows = await env.DB.prepare("SELECT count(*) AS n FROM connections WHERE workspace_id = ? AND credential_id IS NOT NULL").bind(workspaceId).first<{ n: number }>();
      expect(rows!.n).toBe(1);

      // Approval is an admin's explicit step; a write key cannot take it.
      expectProblem(await api(`/api/credentials/${credId}/approved-hosts`, { method: "POST", token: attacker, body: { hosts: ["127.0.0.2"] } }), 403, "insufficient_scope");
      const admin = await addKey(workspaceId, "admin");
      const approved = await api(`/api/credentials/${credId}/approved-hosts`, { method: "POST", token: admin, body: { hosts: ["127.0.0.2"] } });
      expect(approved.status).toBe(200);
      expect(approved.json.approvedHosts).toContain("127.0.0.2");
      for (const attack of e.attacks) {
        const tried = await api(`/api/connections/${connId}/test`, { method: "POST", token: attacker, body: { config: attack } });
        expect(tried.status, JSON.stringify(tried.json)).toBe(200);
      }
      // (Connections may be reused from an earlier test: the record's entries are what counts.)
      const reached = await recorded();
      expect(reached.entries.length).toBeGreaterThan(after.entries.length);
      const seen = reached.entries.slice(after.entries.length).join("\n");
      for (const v of e.reveals) expect(seen).toContain(v);
    });
  });
}

describe("approving hosts", () => {
  const pg = ENGINES["postgres over websocket"]!;

  it("a fresh credential binds only on first use by the key that supplied its secrets", async () => {
    const e = pg();
    const { token: owner, workspaceId } = await newWorkspace("write");
    const other = await addKey(workspaceId, "write");
    const cred = await api("/api/credentials", { method: "POST", token: owner, body: { name: "c", type: "postgres", ...e.credential } });
    const body = { name: "c", type: "postgres", config: e.config(), credentialId: cred.json.id };
    // Another key of the workspace cannot bind (or test with) a credential it did not supply.
    expectProblem(await api("/api/connections", { method: "POST", token: other, body }), 403, "host_not_approved");
    expectProblem(await api("/api/connections/test", { method: "POST", token: other, body: { type: "postgres", config: e.config(), credentialId: cred.json.id } }), 403, "host_not_approved");
    // The supplier may test it before saving (nothing is bound by a test) ...
    const tested = await api("/api/connections/test", { method: "POST", token: owner, body: { type: "postgres", config: e.config(), credentialId: cred.json.id } });
    expect(tested.json.ok).toBe(true);
    expect((await api(`/api/credentials/${cred.json.id}`, { token: owner })).json.approvedHosts).toEqual([]);
    // ... and saving binds it to the connection's hosts; the ETag moves.
    expect((await api("/api/connections", { method: "POST", token: owner, body })).status).toBe(201);
    const bound = await api(`/api/credentials/${cred.json.id}`, { token: owner });
    expect(bound.json.approvedHosts).toEqual(["127.0.0.1"]);
    expect(bound.headers.get("etag")).toBe('"v2"');
    // Bound: the same connection's hosts work for anyone, another host for nobody.
    expect((await api("/api/connections", { method: "POST", token: other, body: { ...body, name: "c2" } })).status).toBe(201);
    const away = { ...body, name: "c3", config: { ...e.config(), webSocketProxy: "ws://proxy.example.com" } };
    const refused = await api("/api/connections", { method: "POST", token: owner, body: away });
    expectProblem(refused, 403, "host_not_approved");
    expect(refused.json).toMatchObject({ credentialId: cred.json.id, hosts: ["proxy.example.com"], approvedHosts: ["127.0.0.1"] });
  });

  it("hosts approved at creation, by re-supplying every secret, and withdrawn by an admin", async () => {
    const { token, workspaceId } = await newWorkspace("write");
    const other = await addKey(workspaceId, "write");
    const created = await api("/api/credentials", {
      method: "POST",
      token,
      body: { name: "s3", type: "s3", method: "accessKey", identity: { accessKeyId: "AKIAEXAMPLE" }, secrets: { secretAccessKey: "sk-1", sessionToken: "st-1" }, approvedHosts: ["S3.Example.COM."] },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.approvedHosts).toEqual(["s3.example.com"]);
    const conn = { type: "s3", config: { bucket: "bucket-one", region: "us-east-1", endpoint: "https://s3.example.com", addressing: "path" }, credentialId: created.json.id };
    expect((await api("/api/connections", { method: "POST", token: other, body: { name: "a", ...conn } })).status).toBe(201);
    const id = created.json.id;
    // Only part of the secrets: no approval.
    const partial = await api(`/api/credentials/${id}`, { method: "PUT", token: other, body: { secrets: { sessionToken: "st-2" }, approvedHosts: ["evil.example.net"] } });
    expectProblem(partial, 403, "secrets_required_for_approval");
    expect(partial.json.errors.map((x: any) => x.path)).toEqual(["body.secrets.secretAccessKey", "body.secrets.sessionToken"]);
    expectProblem(await api(`/api/credentials/${id}`, { method: "PUT", token: other, body: { approvedHosts: ["evil.example.net"] } }), 403, "secrets_required_for_approval");
    expect((await api(`/api/credentials/${id}`, { token })).json.approvedHosts).toEqual(["s3.example.com"]);
    // Every secret again: the caller holds them, and sets the list.
    const full = await api(`/api/credentials/${id}`, { method: "PUT", token: other, body: { secrets: { secretAccessKey: "sk-2", sessionToken: "st-2" }, approvedHosts: ["s3.example.com", "minio.example.org"] } });
    expect(full.status).toBe(200);
    expect(full.json.approvedHosts).toEqual(["minio.example.org", "s3.example.com"]);
    expect(full.text).not.toContain("sk-2");
    // Rotating without approvedHosts keeps the list.
    expect((await api(`/api/credentials/${id}`, { method: "PUT", token, body: { name: "renamed" } })).json.approvedHosts).toEqual(["minio.example.org", "s3.example.com"]);
    // Bad hosts are a 400 naming the entry.
    const admin = await addKey(workspaceId, "admin");
    const bad = await api(`/api/credentials/${id}/approved-hosts`, { method: "POST", token: admin, body: { hosts: ["ok.example.com", "https://x.example.com/"] } });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.json.errors[0].path).toBe("body.hosts.1");
    // Withdrawn by an admin: the connection on that host can no longer use the credential.
    expectProblem(await api(`/api/credentials/${id}/approved-hosts?host=s3.example.com`, { method: "DELETE", token: other }), 403, "insufficient_scope");
    const withdrawn = await api(`/api/credentials/${id}/approved-hosts?host=s3.example.com`, { method: "DELETE", token: admin, headers: { "if-match": full.headers.get("etag")! } });
    expectProblem(withdrawn, 412);
    const ok = await api(`/api/credentials/${id}/approved-hosts?host=s3.example.com`, { method: "DELETE", token: admin });
    expect(ok.json.approvedHosts).toEqual(["minio.example.org"]);
    const list = await api("/api/connections?type=s3", { token });
    expectProblem(await api(`/api/connections/${list.json.data[0].id}/test`, { method: "POST", token }), 403, "host_not_approved");
  });

  it("tests edited settings with the stored credential without saving them", async () => {
    const e = pg();
    const { token } = await newWorkspace("write");
    const cred = await api("/api/credentials", { method: "POST", token, body: { name: "c", type: "postgres", ...e.credential } });
    const conn = await api("/api/connections", { method: "POST", token, body: { name: "c", type: "postgres", config: e.config(), credentialId: cred.json.id } });
    const id = conn.json.id;
    const edited = await api(`/api/connections/${id}/test`, { method: "POST", token, body: { config: { database: "no_such_database_xyz" } } });
    expect(edited.status).toBe(200);
    expect(edited.json.ok).toBe(false);
    expect(JSON.stringify(edited.json.steps)).toContain("no_such_database_xyz");
    const removed = await api(`/api/connections/${id}/test`, { method: "POST", token, body: { config: { schema: null } } });
    expect(removed.json.ok).toBe(true);
    // Nothing was saved.
    const after = await api(`/api/connections/${id}`, { token });
    expect(after.json.config).toEqual(conn.json.config);
    expect(after.headers.get("etag")).toBe('"v1"');
    // An empty body and no body test the stored settings; bad edits are 400s.
    expect((await api(`/api/connections/${id}/test`, { method: "POST", token, body: {} })).json.ok).toBe(true);
    expect((await api(`/api/connections/${id}/test`, { method: "POST", token })).json.ok).toBe(true);
    expectProblem(await api(`/api/connections/${id}/test`, { method: "POST", token, body: { config: { port: "x" } } }), 400, "validation_failed");
    expectProblem(await api(`/api/connections/${id}/test`, { method: "POST", token, body: { config: { password: "p" } } }), 400, "secret_in_config");
    expectProblem(await api(`/api/connections/${id}/test`, { method: "POST", token, body: { host: "x" } }), 400);
  });
});

describe("credentials made before approvals existed (migration 0001)", () => {
  const statement = () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0001_"))!;
    const q = migration.queries.find((x) => /UPDATE\s+`credentials`\s+SET\s+`legacy_uses`/i.test(x))!;
    // The migration's own statement, limited to this test's credential (other files share the database).
    return `${q.trim().replace(/;$/, "")} WHERE \`credentials\`.\`id\` = ?`;
  };

  it("are approved for the hosts of the connections that used them at migration time, and nothing else", async () => {
    const e = ENGINES["postgres over websocket"]!();
    const { token, workspaceId } = await newWorkspace("write");
    const cred = await api("/api/credentials", { method: "POST", token, body: { name: "old", type: "postgres", ...e.credential } });
    const id = cred.json.id;
    const a = await api("/api/connections", { method: "POST", token, body: { name: "a", type: "postgres", config: e.config(), credentialId: id } });
    expect(a.status).toBe(201);
    // A second connection as the old code let anyone write it.
    const now = Date.now();
    await env.DB.prepare("INSERT INTO connections (id, workspace_id, name, name_key, type, config, credential_id, created_at, updated_at) VALUES (?, ?, 'b', 'b', 'postgres', ?, ?, ?, ?)")
      .bind(newId("conn"), workspaceId, JSON.stringify({ ...e.config(), host: "db.legacy.example", transport: "websocket", webSocketProxy: "wss://proxy.legacy.example" }), id, now, now)
      .run();
    // The row as it was before migration 0001, then the migration's statement.
    await env.DB.prepare("UPDATE credentials SET approved_hosts = '[]', legacy_uses = NULL, secrets_by = NULL WHERE id = ?").bind(id).run();
    await env.DB.prepare(statement()).bind(id).run();

    const migrated = await api(`/api/credentials/${id}`, { token });
    expect(migrated.json.approvedHosts).toEqual(["127.0.0.1", "db.legacy.example", "proxy.legacy.example"]);
    expect((await api(`/api/connections/${a.json.id}/test`, { method: "POST", token })).json.ok).toBe(true);
    // A connection added after the migration is not in the snapshot; nor does its key count as the supplier.
    const later = await api("/api/connections", { method: "POST", token, body: { name: "later", type: "postgres", config: { ...e.config(), webSocketProxy: s.recorderWsUrl }, credentialId: id } });
    expectProblem(later, 403, "host_not_approved");
    // Writing the approvals folds the snapshot in.
    const admin = await addKey(workspaceId, "admin");
    const added = await api(`/api/credentials/${id}/approved-hosts`, { method: "POST", token: admin, body: { hosts: ["db.new.example"] } });
    expect(added.json.approvedHosts).toEqual(["127.0.0.1", "db.legacy.example", "db.new.example", "proxy.legacy.example"]);
    const row = await env.DB.prepare("SELECT approved_hosts, legacy_uses FROM credentials WHERE id = ?").bind(id).first<any>();
    expect(JSON.parse(row.approved_hosts)).toEqual(added.json.approvedHosts);
    expect(row.legacy_uses).toBeNull();
  });

  it("a credential no connection used gets no hosts and needs the explicit step", async () => {
    const e = ENGINES["postgres over websocket"]!();
    const { token } = await newWorkspace("write");
    const cred = await api("/api/credentials", { method: "POST", token, body: { name: "idle", type: "postgres", ...e.credential } });
    await env.DB.prepare("UPDATE credentials SET approved_hosts = '[]', legacy_uses = NULL, secrets_by = NULL WHERE id = ?").bind(cred.json.id).run();
    await env.DB.prepare(statement()).bind(cred.json.id).run();
    expect((await api(`/api/credentials/${cred.json.id}`, { token })).json.approvedHosts).toEqual([]);
    expectProblem(await api("/api/connections", { method: "POST", token, body: { name: "x", type: "postgres", config: e.config(), credentialId: cred.json.id } }), 403, "host_not_approved");
  });
});
