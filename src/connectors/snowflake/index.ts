import type { ConnectorDefinition, ConnectorSession } from "../types";
import { normaliseAccount } from "./account";
import { createAuth } from "./auth";
import { runTest } from "./check";
import { SnowflakeClient } from "./client";
import { snowflakeConfig, snowflakeCredentials, type SnowflakeConfig } from "./config";
import { SnowflakeIntrospection } from "./introspection";

// Snowflake over the SQL API v2 (fetch only): key-pair JWT, programmatic access token or OAuth.
export const snowflakeConnector: ConnectorDefinition<SnowflakeConfig> = {
  type: "snowflake",
  displayName: "Snowflake",
  capabilities: ["sql", "catalogs", "schemas", "tables", "columns", "preview"],
  config: snowflakeConfig,
  credentials: snowflakeCredentials,
  hosts: (config) => [config.endpoint ? new URL(config.endpoint).hostname : normaliseAccount(config.account).host],
  async open(config, credential, ctx): Promise<ConnectorSession> {
    const account = normaliseAccount(config.account);
    const auth = createAuth(account, credential);
    const client = new SnowflakeClient(config, account.host, auth, ctx);
    const meta = new SnowflakeIntrospection(client, config, ctx);
    const host = config.endpoint ? new URL(config.endpoint).host : account.host;
    return {
      test: () => runTest(client, config, ctx.limits.statementTimeoutMs, host),
      listCatalogs: (page) => meta.listCatalogs(page),
      listSchemas: (args, page) => meta.listSchemas(args, page),
      listTables: (args, page) => meta.listTables(args, page),
      listColumns: (args, page) => meta.listColumns(args, page),
      preview: (args) => meta.preview(args),
      query: (args) => meta.query(args),
    };
  },
};
