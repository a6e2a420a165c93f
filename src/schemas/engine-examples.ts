// Whole-body examples per engine for the OpenAPI document (docs and generators build requests from
// them). test/api/openapi-examples.test.ts checks every example against its own schema, so an
// example that drifts from the engine's config or credential schema fails the build.
type EngineExamples = {
  createConnection: Record<string, unknown>;
  connection: Record<string, unknown>;
  createCredential: Record<string, Record<string, unknown>>;
  testSettings: Record<string, unknown>;
};

const times = { createdAt: "2026-11-28T12:00:00.000Z", updatedAt: "2026-11-28T12:00:00.000Z" };
const ids = { id: "conn_0mia3k8x2abcdefghijkl", credentialId: "cred_0mia3k8x2abcdefghijkl" };

function engine(
  type: string,
  name: string,
  config: Record<string, unknown>,
  resolved: Record<string, unknown>,
  credentials: Record<string, { identity?: Record<string, string>; secrets: Record<string, string> }>,
): EngineExamples {
  const [method, first] = Object.entries(credentials)[0]!;
  return {
    // No credentialId: the example works as sent (docs "try it"); attach a credential with PATCH later.
    createConnection: { name, type, config },
    connection: { id: ids.id, name, type, config: resolved, credentialId: ids.credentialId, cacheTtlSeconds: null, ...times },
    createCredential: Object.fromEntries(
      Object.entries(credentials).map(([m, c]) => [m, { name: `${name} (${m})`, type, method: m, ...c }]),
    ),
    testSettings: { type, config, credential: { method, ...first } },
  };
}

export const ENGINE_EXAMPLES: Record<string, EngineExamples> = {
  postgres: engine(
    "postgres",
    "Analytics warehouse",
    { host: "db.example.com", database: "analytics" },
    { host: "db.example.com", port: 5432, database: "analytics", sslMode: "require", transport: "auto" },
    { password: { identity: { user: "analyst" }, secrets: { password: "s3cr3t-example" } } },
  ),
  snowflake: engine(
    "snowflake",
    "Snowflake finance",
    { account: "myorg-myaccount", warehouse: "COMPUTE_WH", database: "FINANCE" },
    { account: "myorg-myaccount", warehouse: "COMPUTE_WH", database: "FINANCE" },
    {
      programmaticAccessToken: { identity: { user: "ANALYST" }, secrets: { token: "pat-example-token" } },
      keyPair: { identity: { user: "ANALYST" }, secrets: { privateKey: "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----" } },
      oauth: { secrets: { token: "oauth-example-access-token" } },
    },
  ),
  databricks: engine(
    "databricks",
    "Lakehouse",
    { host: "dbc-a1b2c3d4-e5f6.cloud.databricks.com", warehouseId: "abcdef1234567890", catalog: "main" },
    { host: "dbc-a1b2c3d4-e5f6.cloud.databricks.com", warehouseId: "abcdef1234567890", catalog: "main" },
    {
      personalAccessToken: { secrets: { token: "dapi-example-token" } },
      oauthM2M: { identity: { clientId: "6f1c2b3a-0000-4000-8000-000000000001" }, secrets: { clientSecret: "dose-example-secret" } },
    },
  ),
  s3: engine(
    "s3",
    "Raw events bucket",
    { bucket: "raw-events", region: "us-east-1" },
    { bucket: "raw-events", region: "us-east-1", addressing: "virtual" },
    { accessKey: { identity: { accessKeyId: "AKIAIOSFODNN7EXAMPLE" }, secrets: { secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } } },
  ),
  iceberg: engine(
    "iceberg",
    "R2 data catalog",
    { catalogUri: "https://catalog.cloudflarestorage.com/0123456789abcdef/lake", warehouse: "0123456789abcdef_lake" },
    { catalogUri: "https://catalog.cloudflarestorage.com/0123456789abcdef/lake", warehouse: "0123456789abcdef_lake" },
    {
      bearer: { secrets: { token: "r2-catalog-example-token" } },
      oauth2: { identity: { clientId: "polaris-client" }, secrets: { clientSecret: "polaris-example-secret" } },
      sigv4: { identity: { accessKeyId: "AKIAIOSFODNN7EXAMPLE" }, secrets: { secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } },
    },
  ),
  glue: engine(
    "glue",
    "Glue catalog",
    { region: "us-east-1", catalogId: "123456789012" },
    { region: "us-east-1", catalogId: "123456789012", s3Addressing: "virtual" },
    { accessKey: { identity: { accessKeyId: "AKIAIOSFODNN7EXAMPLE" }, secrets: { secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } } },
  ),
};
