import type { IcebergSchema, TableMetadata } from "./rest";

// Which top-level column of a data file holds each field of the table's current schema, following
// the spec's column projection: by field id (every Iceberg writer stores the field ids in the Parquet
// schema), so a renamed column is still found under its old name, a dropped one is not shown and one
// added later reads as null in older files. A file with no field ids at all (a migrated Hive table)
// is read through the table's name mapping (`schema.name-mapping.default`) when it has one, else by
// the current names.

export type FileColumn = { name: string; fieldId?: number };
export type Projection = {
  /** The file's column for each field of the schema, in schema order; null where the file has none. */
  sources: Array<string | null>;
  how: "field-id" | "name-mapping" | "name";
};

type MappedField = { "field-id"?: number; names?: string[] };

// Top-level entries of the name mapping: field id -> the names files may use for it.
function nameMapping(m: TableMetadata): Map<number, string[]> | null {
  const raw = (m.properties as Record<string, unknown> | undefined)?.["schema.name-mapping.default"];
  if (typeof raw !== "string") return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const out = new Map<number, string[]>();
  for (const f of parsed as MappedField[]) {
    if (typeof f?.["field-id"] === "number" && Array.isArray(f.names)) out.set(f["field-id"], f.names.filter((n) => typeof n === "string"));
  }
  return out;
}

export function projectColumns(schema: IcebergSchema, metadata: TableMetadata, file: FileColumn[]): Projection {
  if (file.some((c) => c.fieldId !== undefined)) {
    const byId = new Map(file.filter((c) => c.fieldId !== undefined).map((c) => [c.fieldId!, c.name]));
    return { sources: schema.fields.map((f) => byId.get(f.id) ?? null), how: "field-id" };
  }
  const names = new Set(file.map((c) => c.name));
  const mapping = nameMapping(metadata);
  if (mapping) {
    return { sources: schema.fields.map((f) => (mapping.get(f.id) ?? []).find((n) => names.has(n)) ?? null), how: "name-mapping" };
  }
  return { sources: schema.fields.map((f) => (names.has(f.name) ? f.name : null)), how: "name" };
}
