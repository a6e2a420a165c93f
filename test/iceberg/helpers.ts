import { inject } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { icebergConnector } from "../../src/connectors/iceberg";
import { icebergConfig, type IcebergConfig } from "../../src/connectors/iceberg/config";
import type { IcebergSession } from "../../src/connectors/iceberg/session";
import type { ResolvedCredential } from "../../src/connectors/types";
import { serverControl } from "../server-control";

// Connector-level helpers for the Iceberg contract server: each test gets its own scope under a
// personality (its own controls, counters and tokens).

export const servers = inject("servers");
let counter = 0;

export type Personality = "r2" | "polaris" | "unity" | "glue" | "onelake";
export type Stats = Record<string, number>;

export function catalog(personality: Personality, label = "t") {
  const scope = `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
  const base = `${servers.icebergEndpoint}/${personality}/${scope}`;
  const warehouse = personality === "r2" ? servers.icebergR2Warehouse : personality === "polaris" ? servers.icebergPolarisWarehouse : undefined;
  const config: IcebergConfig = icebergConfig.parse({
    catalogUri: base,
    ...(warehouse ? { warehouse } : {}),
    ...(personality === "polaris" ? { scope: "PRINCIPAL_ROLE:ALL" } : {}),
    ...(personality === "glue" ? { signingName: "glue", signingRegion: servers.icebergGlueRegion } : {}),
  });
  const credential: ResolvedCredential =
    personality === "polaris"
      ? { method: "oauth2", identity: { clientId: servers.icebergClientId! }, secrets: { clientSecret: servers.icebergClientSecret! } }
      : personality === "glue"
        ? { method: "sigv4", identity: { accessKeyId: servers.icebergAwsKeyId! }, secrets: { secretAccessKey: servers.icebergAwsSecret! } }
        : { method: "bearer", identity: {}, secrets: { token: servers.icebergBearer! } };
  const { control, expireTokens, stats } = serverControl<Stats>(base);
  return {
    base,
    config,
    credential,
    control,
    expireTokens,
    delegation: async () => (await (await fetch(`${base}/__test/delegation`)).json()) as Array<{ delegation: string }>,
    stats,
    async open(cred: ResolvedCredential | null = credential, opts: { config?: Partial<IcebergConfig>; timeoutMs?: number } = {}): Promise<IcebergSession> {
      const timeoutMs = opts.timeoutMs ?? 20000;
      const ctx = createConnectorContext({ allowPrivateNetwork: true, timeoutMs, limits: clampLimits({ timeoutMs }) });
      return (await icebergConnector.open({ ...config, ...opts.config }, cred, ctx)) as IcebergSession;
    },
    // Runs an operation and reports its round trips as the contract server counted them.
    async measure<T>(label: string, fn: () => Promise<T>): Promise<{ result: T; trips: Stats }> {
      const before = await stats();
      const result = await fn();
      const after = await stats();
      const trips: Stats = {};
      for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) trips[k] = v - (before[k] ?? 0);
      trips.total ??= 0;
      const kinds = Object.entries(trips).filter(([k]) => k !== "total").map(([k, v]) => `${k}=${v}`).join(", ");
      console.log(`[iceberg ${personality} round trips] ${label}: ${trips.total}${kinds ? ` (${kinds})` : ""}`);
      return { result, trips };
    },
  };
}

export async function violations(): Promise<{ checked: number; violations: string[] }> {
  return (await fetch(`${servers.icebergEndpoint}/r2/any/__test/violations`)).json();
}

export function secretsOf(): string[] {
  return [servers.icebergBearer!, servers.icebergClientSecret!, servers.icebergAwsSecret!, servers.icebergVendedSecret!, servers.icebergTableToken!];
}

export { caught as failure } from "../connector-failure";
