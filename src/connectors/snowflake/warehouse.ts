import { ConnectorError } from "../errors";
import { quoteLiteral } from "../../sql/readonly";
import type { SnowflakeClient } from "./client";
import type { SnowflakeConfig } from "./config";

// The warehouse's state from SHOW WAREHOUSES, which Snowflake answers from its cloud services layer
// without a running warehouse (docs: "The command does not require a running warehouse to execute").
// A statement that needs compute would resume a SUSPENDED warehouse (AUTO_RESUME) and bill it, so
// statements first check the state and refuse unless the caller opted in with wake.

export type WarehouseInfo = { name: string; state: string } | null;

export async function warehouseState(client: SnowflakeClient, config: SnowflakeConfig, timeoutMs: number): Promise<WarehouseInfo> {
  const sql = config.warehouse ? `SHOW WAREHOUSES LIKE ${quoteLiteral(config.warehouse, "snowflake")}` : "SHOW WAREHOUSES";
  const r = await client.execute(sql, { timeoutMs, maxRows: 10000 });
  const names = r.rowType.map((c) => c.name.toLowerCase());
  const rows = r.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])));
  // LIKE is case-insensitive and treats _ and % as wildcards: pick the exact name, else the session's.
  const row = config.warehouse
    ? (rows.find((w) => w.name === config.warehouse) ?? rows.find((w) => w.name?.toUpperCase() === config.warehouse!.toUpperCase()))
    : rows.find((w) => w.is_current === "Y");
  return row?.name ? { name: row.name, state: row.state ?? "UNKNOWN" } : null;
}

// Throws warehouse_not_running for a warehouse that is not STARTED (RESIZING still runs queries).
export async function requireRunning(client: SnowflakeClient, config: SnowflakeConfig, timeoutMs: number): Promise<void> {
  const w = await warehouseState(client, config, timeoutMs);
  if (!w || w.state === "STARTED" || w.state === "RESIZING") return;
  throw new ConnectorError(
    "warehouse_not_running",
    `Snowflake warehouse ${w.name} is ${w.state}; running this statement would resume it and bill credits. Send wake=true to allow that.`,
    { warehouse: { id: w.name, state: w.state } },
  );
}
