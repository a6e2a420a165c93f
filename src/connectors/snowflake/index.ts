import type { ConnectorDefinition } from "../types";
import { unsupported } from "../errors";
import { snowflakeConfig, snowflakeCredentials, type SnowflakeConfig } from "./config";

// Operations arrive with the engine's own issue; until then every call is capability_not_supported.
export const snowflakeConnector: ConnectorDefinition<SnowflakeConfig> = {
  type: "snowflake",
  displayName: "Snowflake",
  capabilities: [],
  config: snowflakeConfig,
  credentials: snowflakeCredentials,
  hosts: () => [],
  async open() {
    throw unsupported("snowflake", "connection tests");
  },
};
