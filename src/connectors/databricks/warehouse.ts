import { ConnectorError } from "../errors";
import type { DatabricksClient } from "./client";
import type { DatabricksConfig } from "./config";

// The SQL warehouse's state (GET /api/2.0/sql/warehouses/{id}): reading it starts nothing, while a
// statement sent to a STOPPED warehouse starts it and bills it. Statements check first and refuse
// unless the caller opted in with wake.

export type Warehouse = { id?: string; name?: string; state?: string };

export function getWarehouse(client: DatabricksClient, config: DatabricksConfig): Promise<Warehouse> {
  return client.call<Warehouse>("GET", `/api/2.0/sql/warehouses/${encodeURIComponent(config.warehouseId)}`, { what: "warehouse lookup" });
}

export async function requireRunning(client: DatabricksClient, config: DatabricksConfig): Promise<void> {
  const w = await getWarehouse(client, config).catch((err) => {
    if (err instanceof ConnectorError && err.code === "not_found") {
      throw new ConnectorError("not_found", `SQL warehouse ${config.warehouseId} was not found in this workspace`);
    }
    throw err;
  });
  const state = w.state ?? "UNKNOWN";
  if (state === "RUNNING") return;
  throw new ConnectorError(
    "warehouse_not_running",
    `SQL warehouse ${config.warehouseId} is ${state}; running this statement would start it and bill it. Send wake=true to allow that.`,
    { warehouse: { id: config.warehouseId, state } },
  );
}
