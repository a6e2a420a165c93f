import type { ResultColumn, RowSet } from "../types";
import { BUILTIN_TYPES, decodeValue, infoFromTypeRow, TYPE_LOOKUP_SQL, type PgTypeInfo } from "./pg-types";
import type { PgResult, PgTransport } from "./transport";

// Turns a text result into the shared RowSet shape: decoded values, row and byte budgets.

/**
 * Type info for every column OID. OIDs outside the built-in table come from the type rows sent along
 * with the statement (HTTP), or else cost one lookup (WebSocket: inside the still-open transaction).
 */
export async function resolveTypes(
  result: PgResult,
  transport: PgTransport,
  timeoutMs: number,
): Promise<Map<number, PgTypeInfo>> {
  const types = new Map<number, PgTypeInfo>();
  const unknown = new Set<number>();
  for (const f of result.fields) {
    const known = BUILTIN_TYPES[f.dataTypeID];
    if (known) types.set(f.dataTypeID, known);
    else unknown.add(f.dataTypeID);
  }
  // Sent along with the statement (HTTP): no extra request.
  for (const row of result.typeRows ?? []) {
    const [oid, info] = infoFromTypeRow(row);
    unknown.delete(oid);
    types.set(oid, info);
  }
  if (unknown.size) {
    const r = await transport.query(TYPE_LOOKUP_SQL, [`{${[...unknown].join(",")}}`], { readOnlyTransaction: false, timeoutMs });
    for (const row of r.rows) {
      const [oid, info] = infoFromTypeRow(row);
      types.set(oid, info);
    }
  }
  return types;
}

export function buildRowSet(
  result: PgResult,
  types: Map<number, PgTypeInfo>,
  maxRows: number,
  maxBytes: number,
  startedAt: number,
): RowSet {
  const columns: ResultColumn[] = result.fields.map((f) => {
    const info = types.get(f.dataTypeID);
    return { name: f.name, type: info?.portable ?? "other", nativeType: info?.name ?? `oid ${f.dataTypeID}` };
  });
  const infos = result.fields.map((f) => types.get(f.dataTypeID));
  const rows: unknown[][] = [];
  let truncated = result.rows.length > maxRows;
  let bytes = 0;
  for (const raw of result.rows) {
    if (rows.length >= maxRows) break;
    const row = raw.map((v, i) => decodeValue(v, infos[i], types));
    bytes += JSON.stringify(row).length + 1;
    if (bytes > maxBytes) {
      truncated = true;
      break;
    }
    rows.push(row);
  }
  return { columns, rows, rowCount: rows.length, truncated, elapsedMs: Date.now() - startedAt };
}
