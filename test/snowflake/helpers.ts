import { inject } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { snowflakeConnector } from "../../src/connectors/snowflake";
import { snowflakeConfig, type SnowflakeConfig } from "../../src/connectors/snowflake/config";
import type { ConnectorSession, ResolvedCredential } from "../../src/connectors/types";

// Connector-level helpers. Every test gets its own scope on the Snowflake contract server (the
// /s/<scope> prefix of the endpoint): its own controls and request counters, so files run in parallel.

export const servers = inject("servers");
let counter = 0;

export type Stats = {
  requests: { total: number; post: number; get: number; partition: number; cancel: number };
  executions: number;
  jwts: number;
  cancels: string[];
  statuses: number[];
  tokenTypes: string[];
  computeStatements: number;
  resumes: number;
  warehouses: Record<string, string>;
};

export type Controls = {
  reset?: boolean;
  syncWindowMs?: number;
  delayMs?: number;
  partitionRows?: number;
  fail?: { status: number; count: number; retryAfter?: number; afterExecute?: boolean } | null;
  expireJwts?: boolean;
  warehouses?: Record<string, "STARTED" | "SUSPENDED">;
};

export const keyPair = (privateKey = servers.snowflakePrivateKey!, passphrase?: string): ResolvedCredential => ({
  method: "keyPair",
  identity: { user: servers.snowflakeUser! },
  secrets: passphrase ? { privateKey, passphrase } : { privateKey },
});
export const pat = (token = servers.snowflakePat!): ResolvedCredential => ({ method: "programmaticAccessToken", identity: {}, secrets: { token } });
export const oauth = (token = servers.snowflakeOauthToken!): ResolvedCredential => ({ method: "oauth", identity: {}, secrets: { token } });

export async function mintToken(kind: "pat" | "oauth"): Promise<string> {
  return ((await (await fetch(`${servers.snowflakeEndpoint}/__control/tokens`, { method: "POST", body: JSON.stringify({ kind }) })).json()) as { token: string }).token;
}
export async function expireToken(token: string): Promise<void> {
  await fetch(`${servers.snowflakeEndpoint}/__control/tokens/expire`, { method: "POST", body: JSON.stringify({ token }) });
}
export async function violations(): Promise<{ specLoaded: boolean; checked: number; violations: string[] }> {
  return (await fetch(`${servers.snowflakeEndpoint}/__control/violations`)).json();
}

export function scope(label: string) {
  const name = `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
  const endpoint = `${servers.snowflakeEndpoint}/s/${name}`;
  const config: SnowflakeConfig = snowflakeConfig.parse({
    account: servers.snowflakeAccount,
    warehouse: "TEST_WH",
    database: "SFDEMO",
    role: "ANALYST",
    endpoint,
  });
  const controlUrl = `${servers.snowflakeEndpoint}/__control/scopes/${name}`;
  const control = async (c: Controls): Promise<Stats> => (await fetch(controlUrl, { method: "POST", body: JSON.stringify(c) })).json();
  const stats = async (): Promise<Stats> => (await fetch(controlUrl)).json();
  return {
    name,
    endpoint,
    config,
    control,
    stats,
    async open(
      credential: ResolvedCredential | null = keyPair(),
      opts: { timeoutMs?: number; config?: Partial<SnowflakeConfig>; limits?: Parameters<typeof clampLimits>[0] } = {},
    ): Promise<ConnectorSession> {
      const timeoutMs = opts.timeoutMs ?? 20000;
      const ctx = createConnectorContext({ allowPrivateNetwork: true, timeoutMs, limits: clampLimits({ timeoutMs, ...opts.limits }) });
      return snowflakeConnector.open(snowflakeConfig.parse({ ...config, ...opts.config }), credential, ctx);
    },
    // Runs an operation and reports its round trips as the contract server counted them.
    async roundTrips<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; trips: number }> {
      const before = (await stats()).requests.total;
      const value = await fn();
      const trips = (await stats()).requests.total - before;
      console.log(`[snowflake] ${label}: ${trips} round trip(s)`);
      return { value, trips };
    },
  };
}

// Every secret the servers handed out, to check that no message carries one.
export function secretValues(): string[] {
  const keyBody = (pem: string) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "").slice(0, 64);
  return [
    keyBody(servers.snowflakePrivateKey!),
    keyBody(servers.snowflakeEncryptedPrivateKey!),
    keyBody(servers.snowflakeUnregisteredPrivateKey!),
    servers.snowflakePassphrase!,
    servers.snowflakePat!,
    servers.snowflakeOauthToken!,
  ];
}

export function expectNoSecrets(text: string, extra: string[] = []) {
  for (const s of [...secretValues(), ...extra]) {
    if (s && text.includes(s)) throw new Error(`a secret leaked into: ${text.slice(0, 200)}`);
  }
  if (/eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(text)) throw new Error(`a JWT leaked into: ${text.slice(0, 200)}`);
}

export { caught } from "../connector-failure";
