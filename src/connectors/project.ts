import { ConnectorError } from "./errors";

// Only the named columns of a result, in that order: for engines and formats that cannot read fewer
// columns, the projection happens after reading.
export function project<C extends { name: string }>(columns: C[], rows: unknown[][], names: string[]) {
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const unknown = names.filter((n) => !index.has(n));
  if (unknown.length) {
    throw new ConnectorError("invalid_request", `Unknown column(s) ${unknown.map((n) => `"${n}"`).join(", ")}; the columns are ${columns.slice(0, 20).map((c) => c.name).join(", ")}`);
  }
  const picks = [...new Set(names)].map((n) => index.get(n)!);
  return { columns: picks.map((i) => columns[i]!), rows: rows.map((r) => picks.map((i) => r[i])) };
}
