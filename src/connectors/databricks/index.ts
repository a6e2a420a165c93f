import type { ConnectorDefinition } from "../types";
import { unsupported } from "../errors";
import { databricksConfig, databricksCredentials, type DatabricksConfig } from "./config";

// Operations arrive with the engine's own issue; until then every call is capability_not_supported.
export const databricksConnector: ConnectorDefinition<DatabricksConfig> = {
  type: "databricks",
  displayName: "Databricks",
  capabilities: [],
  config: databricksConfig,
  credentials: databricksCredentials,
  hosts: () => [],
  async open() {
    throw unsupported("databricks", "connection tests");
  },
};
