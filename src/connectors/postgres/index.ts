import type { ConnectorDefinition } from "../types";
import { unsupported } from "../errors";
import { postgresConfig, postgresCredentials, type PostgresConfig } from "./config";

// Operations arrive with the engine's own issue; until then every call is capability_not_supported.
export const postgresConnector: ConnectorDefinition<PostgresConfig> = {
  type: "postgres",
  displayName: "Postgres",
  capabilities: [],
  config: postgresConfig,
  credentials: postgresCredentials,
  hosts: () => [],
  async open() {
    throw unsupported("postgres", "connection tests");
  },
};
