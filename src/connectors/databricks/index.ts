import type { ConnectorDefinition } from "../types";
import { databricksConfig, databricksCredentials, type DatabricksConfig } from "./config";
import { openSession } from "./session";

// Databricks: SQL Statement Execution API 2.0 for SQL, Unity Catalog REST 2.1 for metadata, over
// the context's guarded fetch. Auth: personal access token or OAuth M2M (service principal).
export const databricksConnector: ConnectorDefinition<DatabricksConfig> = {
  type: "databricks",
  displayName: "Databricks",
  capabilities: ["sql", "catalogs", "schemas", "tables", "columns", "preview", "discover"],
  config: databricksConfig,
  credentials: databricksCredentials,
  hosts(config) {
    const hosts = [config.host];
    if (config.endpoint) {
      const h = new URL(config.endpoint).hostname.replace(/^\[|\]$/g, "");
      if (!hosts.includes(h)) hosts.push(h);
    }
    return hosts;
  },
  async open(config, credential, ctx) {
    return openSession(config, credential, ctx);
  },
};
