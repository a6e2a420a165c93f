import { bigFromBytes } from "../../formats/parquet-values";
import { base64, isoDate, isoInstant, isoTime, scaledDecimal, uuid } from "../../formats/values";
import type { IcebergType, TableMetadata } from "./rest";

// Values of identity partitions, for columns a data file does not hold (a migrated Hive table keeps
// them only in its paths): the spec has readers take them from the file's partition tuple in the
// manifest. Decoded from Avro there, they are given here in the API's representation of the column's
// Iceberg type (formats/values.ts), the same as a Parquet column of that type would give.

const DECIMAL = /^decimal\(\s*\d+\s*,\s*(\d+)\s*\)$/;
const big = (v: unknown) => (typeof v === "bigint" ? v : BigInt(v as number));

// The value, or undefined for a type not read here (the caller then says so).
export function partitionValue(type: IcebergType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type !== "string") return undefined;
  switch (type) {
    case "boolean":
      return Boolean(v);
    case "int":
    case "float":
    case "double":
      return Number(v);
    case "long":
      return big(v).toString();
    case "string":
      return String(v);
    case "date":
      return isoDate(Number(v));
    case "time":
      return isoTime(big(v), 1_000_000n, false);
    case "timestamp":
      return isoInstant(big(v), 1_000_000n, false);
    case "timestamptz":
      return isoInstant(big(v), 1_000_000n, true);
    case "timestamp_ns":
      return isoInstant(big(v), 1_000_000_000n, false);
    case "timestamptz_ns":
      return isoInstant(big(v), 1_000_000_000n, true);
    case "uuid":
      return v instanceof Uint8Array ? uuid(v) : undefined;
    case "binary":
      return v instanceof Uint8Array ? base64(v) : undefined;
  }
  const decimal = DECIMAL.exec(type);
  if (decimal && v instanceof Uint8Array) return scaledDecimal(bigFromBytes(v), Number(decimal[1]));
  if (/^fixed\[\d+\]$/.test(type) && v instanceof Uint8Array) return base64(v);
  return undefined;
}

// For a partition spec id: source field id -> the name of its identity partition field.
export function identityFields(m: TableMetadata, specId: number): Map<number, string> {
  const spec = m["partition-specs"]?.find((s) => s["spec-id"] === specId) ?? (specId === 0 ? { fields: m.partition_spec ?? [] } : undefined);
  return new Map((spec?.fields ?? []).filter((f) => f.transform === "identity").map((f) => [f["source-id"], f.name]));
}
