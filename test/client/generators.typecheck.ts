// Compiled by `npm run typecheck` (not run): the clients that orval and @hey-api/openapi-ts generate
// from the served document (`npm run client:generate` writes them to test/client/generated/, git-ignored)
// type each engine's config and credential by `type` and `method`, as openapi-typescript's does.
import type { CreateConnection as OrvalCreateConnection, CreateCredential as OrvalCreateCredential } from "./generated/orval/api";
import type { CreateConnection as HeyCreateConnection, CreateCredential as HeyCreateCredential } from "./generated/hey-api/types.gen";
import { createConnection as heyCreateConnection } from "./generated/hey-api/sdk.gen";
import { createConnection as orvalCreateConnection } from "./generated/orval/api";

export const orvalBodies: OrvalCreateConnection[] = [
  { name: "pg", type: "postgres", config: { host: "db.example.com", database: "d", sslMode: "disable" } },
  { name: "lake", type: "s3", config: { bucket: "my-bucket", region: "us-east-1", addressing: "path" } },
  // @ts-expect-error "sslmode" is not a Postgres config key
  { name: "typo", type: "postgres", config: { host: "db.example.com", database: "d", sslmode: "disable" } },
  // @ts-expect-error a Snowflake config has no host
  { name: "sf", type: "snowflake", config: { account: "myorg-acct", host: "db.example.com" } },
];

export const orvalCredentials: OrvalCreateCredential[] = [
  { name: "dbx", type: "databricks", method: "personalAccessToken", secrets: { token: "t" } },
  // @ts-expect-error personalAccessToken keeps its secret in secrets.token
  { name: "dbx", type: "databricks", method: "personalAccessToken", secrets: { password: "t" } },
];

export const heyBodies: HeyCreateConnection[] = [
  { name: "pg", type: "postgres", config: { host: "db.example.com", database: "d", sslMode: "disable" } },
  // @ts-expect-error "sslmode" is not a Postgres config key
  { name: "typo", type: "postgres", config: { host: "db.example.com", database: "d", sslmode: "disable" } },
  // @ts-expect-error an S3 config has no database
  { name: "lake", type: "s3", config: { bucket: "my-bucket", region: "us-east-1", database: "x" } },
];

export const heyCredentials: HeyCreateCredential[] = [
  { name: "sf", type: "snowflake", method: "keyPair", identity: { user: "U" }, secrets: { privateKey: "k" } },
  // @ts-expect-error keyPair needs identity.user
  { name: "sf", type: "snowflake", method: "keyPair", identity: {}, secrets: { privateKey: "k" } },
];

// The generated functions take those bodies.
export const calls = [
  () => orvalCreateConnection({ name: "pg", type: "postgres", config: { host: "db.example.com", database: "d" } }),
  () => heyCreateConnection({ body: { name: "pg", type: "postgres", config: { host: "db.example.com", database: "d" } } }),
];
