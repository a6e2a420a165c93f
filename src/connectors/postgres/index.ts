import type { ConnectorDefinition } from "../types";
import { ConnectorError } from "../errors";
import { postgresConfig, postgresCredentials, type PostgresConfig } from "./config";
import { openSession } from "./session";
import { transportHosts } from "./transport";

// PostgreSQL and Neon. Transport (see transport.ts): Neon's SQL-over-HTTP for Neon hosts or when
// httpEndpoint is set (one request per call), the wire protocol (node-postgres) through a WebSocket
// proxy when one is set, otherwise over a TCP socket the Worker opens itself.
export const postgresConnector: ConnectorDefinition<PostgresConfig> = {
  type: "postgres",
  displayName: "Postgres",
  capabilities: ["sql", "catalogs", "schemas", "tables", "columns", "preview"],
  config: postgresConfig,
  credentials: postgresCredentials,
  hosts: (config) => transportHosts(config),
  async open(config, credential, ctx) {
    if (!credential || credential.method !== "password") {
      throw new ConnectorError("invalid_request", "A Postgres connection needs a password credential (user and password)");
    }
    const user = credential.identity.user;
    const password = credential.secrets.password;
    if (!user || !password) throw new ConnectorError("invalid_request", "The credential needs a user and a password");
    return openSession(config, user, password, ctx);
  },
};
