import { inject } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { databricksConnector } from "../../src/connectors/databricks";
import { databricksConfig, type DatabricksConfig } from "../../src/connectors/databricks/config";
import type { DatabricksSession } from "../../src/connectors/databricks/session";
import type { ResolvedCredential } from "../../src/connectors/types";
import { serverControl } from "../server-control";

// Connector-level helpers: each test gets its own scope on the Databricks contract server (its own
// controls, counters and OAuth tokens), so test files can run in parallel.

export const servers = inject("servers");
let counter = 0;

export type Stats = Record<string, number>;

export function workspace(label: string) {
  const scope = `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
  const endpoint = `${servers.databricksEndpoint}/s/${scope}`;
  const config: DatabricksConfig = databricksConfig.parse({
    host: servers.databricksHost,
    warehouseId: servers.databricksWarehouseId,
    catalog: "main",
    schema: "sales",
    endpoint,
  });
  const pat: ResolvedCredential = { method: "personalAccessToken", identity: {}, secrets: { token: servers.databricksPat! } };
  const oauth: ResolvedCredential = {
    method: "oauthM2M",
    identity: { clientId: servers.databricksClientId! },
    secrets: { clientSecret: servers.databricksClientSecret! },
  };
  const { control, expireTokens, stats } = serverControl<Stats>(endpoint);
  return {
    scope,
    endpoint,
    config,
    pat,
    oauth,
    control,
    expireTokens,
    stats,
    statements: async () => (await (await fetch(`${endpoint}/__test/statements`)).json()) as Array<{ id: string; state: string }>,
    async open(
      credential: ResolvedCredential | null = pat,
      opts: { timeoutMs?: number; config?: Partial<DatabricksConfig>; limits?: Parameters<typeof clampLimits>[0] } = {},
    ): Promise<DatabricksSession> {
      const timeoutMs = opts.timeoutMs ?? 20000;
      const ctx = createConnectorContext({
        allowPrivateNetwork: true,
        timeoutMs,
        limits: clampLimits({ timeoutMs, ...opts.limits }),
      });
      return (await databricksConnector.open({ ...config, ...opts.config }, credential, ctx)) as DatabricksSession;
    },
    // Runs an operation and reports its round trips as the contract server counted them.
    async measure<T>(label: string, fn: () => Promise<T>): Promise<{ result: T; trips: Stats }> {
      const before = await stats();
      const result = await fn();
      const after = await stats();
      const trips: Stats = {};
      for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) trips[k] = v - (before[k] ?? 0);
      trips.total ??= 0;
      const kinds = Object.entries(trips)
        .filter(([k]) => k !== "total")
        .map(([k, v]) => `${k}=${v}`)
        .join(", ");
      console.log(`[databricks round trips] ${label}: ${trips.total}${kinds ? ` (${kinds})` : ""}`);
      return { result, trips };
    },
  };
}

// Every string anywhere in a value (messages, nested errors), for secret checks.
export function allText(value: unknown): string {
  if (value instanceof Error) return `${value.message} ${JSON.stringify(value)}`;
  return JSON.stringify(value) ?? "";
}

export function secretsOf(): string[] {
  return [servers.databricksPat!, servers.databricksPatNoAccess!, servers.databricksClientSecret!];
}

export { caught as failure } from "../connector-failure";
