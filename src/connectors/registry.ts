import { ApiError } from "../lib/errors";
import { databricksConnector } from "./databricks";
import { glueConnector } from "./glue";
import { icebergConnector } from "./iceberg";
import { postgresConnector } from "./postgres";
import { s3Connector } from "./s3";
import { snowflakeConnector } from "./snowflake";
import type { ConnectorDefinition } from "./types";

// The explicit list of engines. Adding one is adding a line here.
const CONNECTORS = [postgresConnector, snowflakeConnector, databricksConnector, s3Connector, icebergConnector, glueConnector] as ConnectorDefinition[];

const byType = new Map(CONNECTORS.map((c) => [c.type, c]));

export const connectorTypes = CONNECTORS.map((c) => c.type);

export function allConnectors(): readonly ConnectorDefinition[] {
  return CONNECTORS;
}

export function getConnector(type: string): ConnectorDefinition {
  const found = byType.get(type.toLowerCase());
  if (!found) {
    throw new ApiError(400, "unknown_connector_type", `Unknown connector type "${type}". Known types: ${connectorTypes.join(", ")}`, {
      errors: [{ path: "type", message: `must be one of ${connectorTypes.join(", ")}` }],
    });
  }
  return found;
}
