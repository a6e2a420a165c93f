import { describe, expect, inject, it } from "vitest";
import { allConnectors } from "../../src/connectors/registry";
import type { Capability } from "../../src/connectors/types";
import { api, newWorkspace } from "../helpers";

// The contracts every registered connector keeps, checked through the public API against the local
// servers, according to the capabilities each declares (DESIGN.md section 4).
const s = inject("servers");

type Fixture = {
  config: () => Record<string, unknown>;
  // Further configs the whole contract runs with again (Postgres: each transport).
  variants?: Record<string, () => Record<string, unknown>>;
  configLabel?: string; // what `config` is, when there are variants
  method: string;
  identity: () => Record<string, string>;
  secrets: () => Record<string, string>;
  wrongSecrets: () => Record<string, string>;
  known: { schema?: string; table: string };
  catalog?: string;
};

const scope = (label: string) => `contract-${label}-${Date.now().toString(36)}`;

const FIXTURES: Record<string, Fixture> = {
  postgres: {
    config: () => ({ host: s.pgHost, port: Number(s.pgPort), database: s.pgDatabase, sslMode: "disable" }),
    configLabel: "tcp, chosen by auto",
    variants: {
      websocket: () => ({ host: s.pgHost, port: Number(s.pgPort), database: s.pgDatabase, sslMode: "disable", transport: "websocket", webSocketProxy: s.wsProxyUrl }),
      http: () => ({ host: s.pgHost, port: Number(s.pgPort), database: s.pgDatabase, sslMode: "disable", httpEndpoint: `${s.neonHttpOrigin}/t/contract/sql` }),
    },
    method: "password",
    identity: () => ({ user: s.pgUser! }),
    secrets: () => ({ password: s.pgPassword! }),
    wrongSecrets: () => ({ password: "Wrong-Secret-Contract-1" }),
    known: { schema: "sales", table: "customers" },
  },
  snowflake: {
    config: () => ({ account: s.snowflakeAccount, warehouse: "TEST_WH", database: "SFDEMO", role: "ANALYST", endpoint: `${s.snowflakeEndpoint}/s/${scope("sf")}` }),
    method: "programmaticAccessToken",
    identity: () => ({}),
    secrets: () => ({ token: s.snowflakePat! }),
    wrongSecrets: () => ({ token: "Wrong-Secret-Contract-2" }),
    known: { schema: "SALES", table: "CUSTOMERS" },
  },
  databricks: {
    config: () => ({ host: s.databricksHost, warehouseId: s.databricksWarehouseId, catalog: "main", schema: "sales", endpoint: `${s.databricksEndpoint}/s/${scope("dbx")}` }),
    method: "personalAccessToken",
    identity: () => ({}),
    secrets: () => ({ token: s.databricksPat! }),
    wrongSecrets: () => ({ token: "Wrong-Secret-Contract-3" }),
    known: { schema: "sales", table: "customers" },
    catalog: "main",
  },
  s3: {
    config: () => ({ bucket: s.s3Bucket, region: s.s3Region, endpoint: s.s3Endpoint, addressing: "path", prefix: "data/" }),
    method: "accessKey",
    identity: () => ({ accessKeyId: s.s3AccessKeyId! }),
    secrets: () => ({ secretAccessKey: s.s3SecretAccessKey! }),
    wrongSecrets: () => ({ secretAccessKey: "Wrong-Secret-Contract-4" }),
    known: { table: "no-such-object.csv" },
  },
  iceberg: {
    config: () => ({ catalogUri: `${s.icebergEndpoint}/r2/${scope("ice")}`, warehouse: s.icebergR2Warehouse }),
    method: "bearer",
    identity: () => ({}),
    secrets: () => ({ token: s.icebergBearer! }),
    wrongSecrets: () => ({ token: "Wrong-Secret-Contract-5" }),
    known: { schema: "sales", table: "orders" },
    catalog: s.icebergR2Warehouse,
  },
  glue: {
    config: () => ({ region: s.glueRegion, endpoint: `${s.glueEndpoint}/s/${scope("glue")}`, s3Endpoint: s.s3Endpoint, s3Addressing: "path" }),
    method: "accessKey",
    identity: () => ({ accessKeyId: s.s3AccessKeyId! }),
    secrets: () => ({ secretAccessKey: s.s3SecretAccessKey! }),
    wrongSecrets: () => ({ secretAccessKey: "Wrong-Secret-Contract-6" }),
    known: { schema: "sales", table: "orders_parquet" },
    catalog: s.glueAccount,
  },
};

async function connectWith(type: string, secrets: Record<string, string>, config: () => Record<string, unknown>) {
  const f = FIXTURES[type]!;
  const { token } = await newWorkspace("write");
  const cred = await api("/api/credentials", { method: "POST", token, body: { name: "c", type, method: f.method, identity: f.identity(), secrets } });
  expect(cred.status).toBe(201);
  const conn = await api("/api/connections", { method: "POST", token, body: { name: "c", type, config: config(), credentialId: cred.json.id } });
  expect(conn.status).toBe(201);
  return { token, id: conn.json.id as string };
}

const CALLS: Record<Exclude<Capability, "discover">, (id: string, f: Fixture) => [string, string, unknown?]> = {
  catalogs: (id) => ["GET", `/api/connections/${id}/catalogs`],
  schemas: (id) => ["GET", `/api/connections/${id}/schemas`],
  tables: (id) => ["GET", `/api/connections/${id}/tables?schema=no_such_schema_xyz`],
  columns: (id) => ["GET", `/api/connections/${id}/columns?schema=no_such_schema_xyz&table=no_such_table`],
  preview: (id, f) => ["GET", `/api/connections/${id}/preview?${f.known.schema ? `schema=${f.known.schema}&` : ""}table=no_such_table_xyz`],
  sql: (id) => ["POST", "/api/connections/test-query", { connectionId: id, sql: "SELECT 1 AS one" }],
  files: (id) => ["GET", `/api/connections/${id}/files?path=no/such/prefix/`],
  fileSchema: (id) => ["GET", `/api/connections/${id}/cloud-schema?path=no-such-object.csv`],
};

it("has a contract fixture for every registered connector", () => {
  expect(allConnectors().map((c) => c.type).sort()).toEqual(Object.keys(FIXTURES).sort());
});

const runs = allConnectors().flatMap((def) => {
  const f = FIXTURES[def.type]!;
  return [[f.configLabel ?? "", f.config] as const, ...Object.entries(f.variants ?? {})].map(([variant, config]) => ({ def, f, variant, config }));
});

for (const { def, f, variant, config } of runs) {
  describe(`${def.type} connector contract${variant ? ` (${variant})` : ""}`, () => {
    const connect = (type: string, secrets: Record<string, string>) => connectWith(type, secrets, config);

    it("passes its connection test with good secrets", async () => {
      const { token, id } = await connect(def.type, f.secrets());
      const res = await api(`/api/connections/${id}/test`, { method: "POST", token });
      expect(res.status).toBe(200);
      expect(res.json.ok, JSON.stringify(res.json.steps)).toBe(true);
    });

    it("refuses undeclared operations with capability_not_supported", async () => {
      const { token, id } = await connect(def.type, f.secrets());
      const undeclared = (Object.keys(CALLS) as Array<keyof typeof CALLS>).filter((c) => !def.capabilities.includes(c));
      for (const cap of undeclared) {
        const [method, path, body] = CALLS[cap](id, f);
        const res = await api(path, { method, token, body });
        expect({ cap, status: res.status, code: res.json?.code }).toEqual({ cap, status: 422, code: "capability_not_supported" });
      }
      if (!def.capabilities.includes("discover")) {
        const res = await api("/api/connections/databricks/discover", { method: "POST", token, body: { connectionId: id } });
        expect(res.json.code).toBe("capability_not_supported");
      }
    });

    it("answers an unknown schema with an empty list and an unknown table or object with 404", async () => {
      const { token, id } = await connect(def.type, f.secrets());
      if (def.capabilities.includes("tables")) {
        const res = await api(`/api/connections/${id}/tables?schema=no_such_schema_xyz${f.catalog ? `&catalog=${f.catalog}` : ""}`, { token });
        expect({ ...res.json, cache: undefined }).toEqual({ data: [], nextCursor: null, cache: undefined });
      }
      if (def.capabilities.includes("files")) {
        const res = await api(`/api/connections/${id}/files?path=no/such/prefix/`, { token });
        expect(res.json).toEqual({ data: [], nextCursor: null });
      }
      if (def.capabilities.includes("columns")) {
        const res = await api(`/api/connections/${id}/columns?schema=${f.known.schema}&table=no_such_table_xyz${f.catalog ? `&catalog=${f.catalog}` : ""}`, { token });
        expect(res.status).toBe(404);
      }
      if (def.capabilities.includes("preview")) {
        const schema = f.known.schema ? `&schema=${f.known.schema}` : "";
        const res = await api(`/api/connections/${id}/preview?table=no_such_table_xyz${schema}${f.catalog ? `&catalog=${f.catalog}` : ""}`, { token });
        expect(res.status).toBe(404);
      }
      if (def.capabilities.includes("fileSchema")) {
        expect((await api(`/api/connections/${id}/cloud-schema?path=no-such-object.csv`, { token })).status).toBe(404);
      }
    });

    it("never puts a secret in an answer, with good or wrong secrets", async () => {
      for (const secrets of [f.secrets(), f.wrongSecrets()]) {
        const { token, id } = await connect(def.type, secrets);
        const answers = [await api(`/api/connections/${id}/test`, { method: "POST", token })];
        for (const cap of Object.keys(CALLS) as Array<keyof typeof CALLS>) {
          const [method, path, body] = CALLS[cap](id, f);
          answers.push(await api(path, { method, token, body }));
        }
        for (const a of answers) {
          // Engine failures are 502/504 by design; an internal error (500) never is.
          expect(a.status).not.toBe(500);
          if (a.status >= 400) expect(a.json.code).not.toBe("internal_error");
          for (const secret of Object.values(secrets)) expect(a.text).not.toContain(secret);
        }
        if (secrets === f.wrongSecrets()) expect(answers[0]!.json.ok).toBe(false);
      }
    });
  });
}
