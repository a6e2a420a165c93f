import type { ResultColumn, RowSet } from "../types";
import { BUILTIN_TYPES, decodeValue, infoFromCatalog, type PgTypeInfo } from "./pg-types";
import type { PgResult, PgTransport } from "./transport";

// Turns a text result into the shared RowSet shape: decoded values, row and byte budgets.

const TYPE_LOOKUP = `
SELECT t.oid::int8::text, format_type(t.oid, NULL), t.typname::text, t.typtype::text, t.typcategory::text, t.typelem::int8::text
FROM pg_type t
WHERE t.oid = ANY($1::oid[]) OR t.oid IN (SELECT typelem FROM pg_type WHERE oid = ANY($1::oid[]))`;

/** Type info for every column OID; OIDs outside the built-in table (enums, composites, extension types) cost one lookup. */
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
  if (unknown.size) {
    const r = await transport.query(TYPE_LOOKUP, [`{${[...unknown].join(",")}}`], { readOnlyTransaction: false, timeoutMs });
    for (const [oid, formatted, typname, typtype, typcategory, elem] of r.rows) {
      types.set(
        Number(oid),
        infoFromCatalog({
          formatted: formatted ?? `oid ${oid}`,
          typname: typname ?? "",
          typtype: typtype ?? "",
          typcategory: typcategory ?? "",
          elem: Number(elem ?? 0),
        }),
      );
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
