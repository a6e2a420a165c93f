import { z } from "zod";
import { hostname, identifier, nonEmpty, originUrl, port } from "../config-fields";

export const postgresConfig = z.strictObject({
  host: hostname,
  port: port.default(5432),
  database: identifier,
  schema: identifier.optional().describe("Default schema for introspection"),
  sslMode: z.enum(["disable", "require", "verify-full"]).default("require"),
  // Neon hosts are reached over Neon's HTTP endpoint; any other Postgres through a WebSocket proxy.
  transport: z.enum(["auto", "http", "websocket"]).default("auto"),
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
