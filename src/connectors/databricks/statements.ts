import { ConnectorError } from "../errors";
import type { ResultColumn } from "../types";
import type { DatabricksClient } from "./client";
import { decoderFor, nativeType, portableType } from "./values";

// SQL Statement Execution API 2.0: one POST that waits (wait_timeout) for the result, polling with
// backoff while PENDING/RUNNING, chunks followed only as far as the row cap needs, and a cancel
// when the deadline comes first.

type ColumnInfo = { name: string; position?: number; type_name?: string; type_text?: string };
type ResultData = {
  chunk_index?: number;
  row_count?: number;
  data_array?: unknown[][];
  next_chunk_index?: number;
  next_chunk_internal_link?: string;
};
type StatementResponse = {
  statement_id?: string;
  status?: { state?: string; error?: { error_code?: string; message?: string }; sql_state?: string };
  manifest?: { schema?: { columns?: ColumnInfo[] }; truncated?: boolean; total_row_count?: number };
  result?: ResultData;
};

export type StatementParameter = { name: string; value: string | null; type?: string };

export type StatementRequest = {
  statement: string;
  warehouseId: string;
  catalog?: string;
  schema?: string;
  parameters?: StatementParameter[];
  rowLimit: number; // sent as row_limit
  fetchRows: number; // stop reading chunks once this many rows are in hand
  maxBytes: number; // and once row data passes this many bytes
  deadline: number; // epoch ms by which the statement must be done (cancel sent then)
};

export type StatementResult = {
  columns: ResultColumn[];
  rows: unknown[][];
  truncated: boolean; // the service truncated (row_limit) or rows were left unread
};

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED", "CLOSED"]);
const POLL_FIRST_MS = 100;
const POLL_CAP_MS = 2000;
const API_PATH = "/api/2.0/sql/statements";

// wait_timeout must be "0s" or 5..50 s: wait as long as the deadline allows, leaving a second to
// poll or cancel; too little time for 5 s means async (0s) and polling.
export function waitTimeout(deadline: number, now = Date.now()): string {
  const seconds = Math.floor((deadline - now - 1000) / 1000);
  return seconds >= 5 ? `${Math.min(50, seconds)}s` : "0s";
}

export async function runStatement(client: DatabricksClient, req: StatementRequest): Promise<StatementResult> {
  const body: Record<string, unknown> = {
    statement: req.statement,
    warehouse_id: req.warehouseId,
    wait_timeout: waitTimeout(req.deadline),
    on_wait_timeout: "CONTINUE",
    disposition: "INLINE",
    format: "JSON_ARRAY",
    row_limit: req.rowLimit,
  };
  if (req.catalog) body.catalog = req.catalog;
  if (req.schema) body.schema = req.schema;
  if (req.parameters?.length) {
    body.parameters = req.parameters.map((p) => ({ name: p.name, value: p.value, ...(p.type ? { type: p.type } : {}) }));
  }
  let res = await client.call<StatementResponse>("POST", API_PATH, { body, what: "statement execution" });
  const id = res.statement_id;
  let delay = POLL_FIRST_MS;
  while (!TERMINAL.has(res.status?.state ?? "")) {
    if (!id) throw new ConnectorError("upstream_error", "Databricks accepted the statement without a statement_id");
    if (Date.now() + delay >= req.deadline) {
      await cancel(client, id);
      throw new ConnectorError("timeout", "The Databricks statement did not finish in time and was cancelled");
    }
    await pause(delay, client.ctx.signal);
    delay = Math.min(POLL_CAP_MS, delay * 2);
    res = await client.call<StatementResponse>("GET", `${API_PATH}/${encodeURIComponent(id)}`, { what: "statement status" });
  }
  const state = res.status?.state;
  if (state === "FAILED") throw statementFailure(client, res);
  if (state === "CANCELED") throw new ConnectorError("upstream_error", "The Databricks statement was cancelled");
  if (state === "CLOSED") throw new ConnectorError("upstream_error", "The Databricks statement result is no longer available");

  const infos = res.manifest?.schema?.columns ?? [];
  infos.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const decoders = infos.map((c) => decoderFor(c.type_name, c.type_text));
  const columns: ResultColumn[] = infos.map((c) => ({
    name: c.name,
    type: portableType(c.type_name, c.type_text),
    nativeType: nativeType(c.type_name, c.type_text),
  }));

  const rows: unknown[][] = [];
  let bytes = 0;
  let cut = false;
  let chunk: ResultData | undefined = res.result;
  while (chunk) {
    for (const raw of chunk.data_array ?? []) {
      if (rows.length >= req.fetchRows) break;
      bytes += JSON.stringify(raw).length;
      if (bytes > req.maxBytes) {
        cut = true;
        break;
      }
      rows.push(raw.map((v, i) => (decoders[i] ? decoders[i](v) : v)));
    }
    const link = chunk.next_chunk_internal_link;
    if (!link || cut) {
      cut ||= !!link;
      break;
    }
    if (rows.length >= req.fetchRows) {
      cut = true; // rows are left in chunks we do not read
      break;
    }
    if (Date.now() >= req.deadline) throw new ConnectorError("timeout", "Reading the Databricks result did not finish in time");
    chunk = await client.call<ResultData>("GET", link, { what: "result chunk" });
  }
  return { columns, rows, truncated: cut || res.manifest?.truncated === true };
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

async function cancel(client: DatabricksClient, id: string): Promise<void> {
  try {
    await client.call("POST", `${API_PATH}/${encodeURIComponent(id)}/cancel`, { body: {}, what: "statement cancel" });
  } catch {
    // best effort: the statement also stops when the warehouse's own limits hit
  }
}

function statementFailure(client: DatabricksClient, res: StatementResponse): ConnectorError {
  const err = res.status?.error;
  const message = client.redact(err?.message ?? "The statement failed");
  const errorClass = /^\s*\[([A-Z0-9_.]+)\]/.exec(message)?.[1];
  const engineCode = errorClass ?? res.status?.sql_state ?? err?.error_code;
  const notFound = /^(TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND)/.test(errorClass ?? "");
  const sqlState = res.status?.sql_state ? ` (SQLSTATE ${res.status.sql_state})` : "";
  return new ConnectorError(notFound ? "not_found" : "upstream_error", `Databricks statement failed: ${message}${sqlState}`, {
    ...(engineCode ? { engineCode } : {}),
  });
}
