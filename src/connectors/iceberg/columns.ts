import { ConnectorError } from "../errors";
import type { Column, PortableType, TableDetails } from "../types";
import type { IcebergSchema, IcebergType, LoadedTable, TableMetadata } from "./rest";

// Iceberg schemas as columns: the schema whose id is current-schema-id (never schemas[0]: OneLake
// answers an empty placeholder schema 0), nested fields flattened depth-first with dotted paths
// (list elements as <name>.element, maps as <name>.key / <name>.value), identifier fields marked as
// the primary key and partition source fields with their transforms.

export type IcebergColumn = Column & { fieldId: number; primaryKey?: true; partition?: string[] };

export function currentSchema(metadata: TableMetadata): IcebergSchema {
  const schemas = Array.isArray(metadata.schemas) ? metadata.schemas : [];
  const id = metadata["current-schema-id"];
  if (typeof id === "number") {
    const found = schemas.find((s) => s["schema-id"] === id);
    if (found) return found;
    throw new ConnectorError("upstream_error", `The table metadata names current-schema-id ${id}, which is not among its schemas`);
  }
  if (metadata.schema && Array.isArray(metadata.schema.fields)) return metadata.schema; // format v1
  throw new ConnectorError("upstream_error", "The table metadata has no current-schema-id");
}

const DECIMAL = /^decimal\(\s*\d+\s*,\s*\d+\s*\)$/;
const FIXED = /^fixed\[\d+\]$/;

export function portableType(t: IcebergType): PortableType {
  if (typeof t !== "string") return t.type === "list" ? "array" : t.type;
  if (DECIMAL.test(t)) return "decimal";
  if (FIXED.test(t)) return "binary";
  const map: Record<string, PortableType> = {
    boolean: "boolean",
    int: "integer",
    long: "integer",
    float: "float",
    double: "float",
    date: "date",
    time: "time",
    timestamp: "timestamp",
    timestamp_ns: "timestamp",
    timestamptz: "timestamp_tz",
    timestamptz_ns: "timestamp_tz",
    string: "string",
    uuid: "string",
    binary: "binary",
    variant: "json",
  };
  return map[t] ?? "other";
}

export function nativeType(t: IcebergType): string {
  if (typeof t === "string") return t;
  if (t.type === "struct") return `struct<${t.fields.map((f) => `${f.name}: ${nativeType(f.type)}`).join(", ")}>`;
  if (t.type === "list") return `list<${nativeType(t.element)}>`;
  return `map<${nativeType(t.key)}, ${nativeType(t.value)}>`;
}

function partitionTransforms(metadata: TableMetadata): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const specs = Array.isArray(metadata["partition-specs"]) ? metadata["partition-specs"] : [];
  const spec = specs.find((s) => s["spec-id"] === metadata["default-spec-id"])?.fields ?? metadata.partition_spec ?? [];
  for (const f of spec) out.set(f["source-id"], [...(out.get(f["source-id"]) ?? []), f.transform]);
  return out;
}

export function schemaColumns(schema: IcebergSchema, metadata?: TableMetadata): IcebergColumn[] {
  const keys = new Set(schema["identifier-field-ids"] ?? []);
  const parts = metadata ? partitionTransforms(metadata) : new Map<number, string[]>();
  const out: IcebergColumn[] = [];
  const add = (id: number, path: string, type: IcebergType, required: boolean, doc?: string) => {
    const col: IcebergColumn = {
      name: path,
      position: out.length + 1,
      type: portableType(type),
      nativeType: nativeType(type),
      nullable: !required,
      comment: doc ?? null,
      fieldId: id,
    };
    if (keys.has(id)) col.primaryKey = true;
    const p = parts.get(id);
    if (p) col.partition = p;
    out.push(col);
    if (typeof type === "string") return;
    if (type.type === "struct") for (const f of type.fields) add(f.id, `${path}.${f.name}`, f.type, f.required, f.doc);
    else if (type.type === "list") add(type["element-id"], `${path}.element`, type.element, type["element-required"]);
    else {
      add(type["key-id"], `${path}.key`, type.key, true);
      add(type["value-id"], `${path}.value`, type.value, type["value-required"]);
    }
  };
  for (const f of schema.fields ?? []) add(f.id, f.name, f.type, f.required, f.doc);
  return out;
}

const num = (v: string | undefined): number | string | null => {
  if (v === undefined || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
};

// Free details from the metadata and the current snapshot's summary (no data read).
export function tableDetails(loaded: LoadedTable): TableDetails {
  const m = loaded.metadata;
  const current = typeof m["current-snapshot-id"] === "number" ? m.snapshots?.find((s) => s["snapshot-id"] === m["current-snapshot-id"]) : undefined;
  const summary = current?.summary ?? {};
  return {
    format: "iceberg",
    formatVersion: m["format-version"],
    tableUuid: m["table-uuid"] ?? null,
    location: m.location ?? null,
    lastUpdated: typeof m["last-updated-ms"] === "number" ? new Date(m["last-updated-ms"]).toISOString() : null,
    currentSnapshotId: current ? (loaded.currentSnapshotId ?? String(current["snapshot-id"])) : null,
    rowCount: current ? num(summary["total-records"]) : 0,
    sizeBytes: current ? num(summary["total-files-size"]) : 0,
    dataFiles: current ? num(summary["total-data-files"]) : 0,
    deleteFiles: current ? num(summary["total-delete-files"]) : 0,
  };
}
