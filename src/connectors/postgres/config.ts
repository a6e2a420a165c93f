import { z } from "zod";
import { hostname, identifier, nonEmpty, originUrl, port } from "../config-fields";

export const postgresConfig = z.strictObject({
  host: hostname,
  port: port.default(5432),
  database: identifier,
  schema: identifier.optional().describe("Default schema for introspection"),
  sslMode: z.enum(["disable", "require", "verify-full"]).default("require"),
  // auto: Neon's HTTP endpoint for Neon hosts (or httpEndpoint), the WebSocket proxy when one is set,
  // otherwise a TCP socket the Worker opens to the server itself.
  transport: z.enum(["auto", "http", "websocket", "tcp"]).default("auto"),
  webSocketProxy: originUrl(["ws", "wss"]).optional().describe("WebSocket-to-TCP proxy in front of the server"),
  httpEndpoint: originUrl(["http", "https"])
    .optional()
    .describe("SQL-over-HTTP endpoint; defaults to Neon's endpoint for the host"),
});
export type PostgresConfig = z.infer<typeof postgresConfig>;

export const postgresCredentials = {
  password: {
    identity: z.strictObject({ user: nonEmpty(63) }),
    secrets: z.strictObject({ password: nonEmpty(1024) }),
  },
};
