import { randomUUID } from "node:crypto";

// The catalog every Iceberg contract-server personality serves: nested namespaces, tables whose
// schema evolved (the current schema is not schemas[0]), nested types, identifier fields, a
// partition spec, a view, and enough tables in one namespace to need several pages.

export type Field = { id: number; name: string; required: boolean; type: unknown; doc?: string };
export type SchemaDoc = { type: "struct"; "schema-id": number; "identifier-field-ids"?: number[]; fields: Field[] };
export type TableDoc = { metadataLocation: string; metadata: Record<string, unknown> };
export type ViewDoc = { metadataLocation: string; metadata: Record<string, unknown> };

export type CatalogState = {
  namespaces: string[][];
  tables: Map<string, TableDoc>; // key: namespace parts joined with 0x1F, 0x1F, table name
  views: Map<string, ViewDoc>;
};

export const key = (ns: string[], name: string) => [...ns, name].join("\u001f");
export const WIDE_NAMESPACE = ["analytics"];
export const WIDE_TABLES = 150; // > Glue's 100 per page and > the default page size

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

const ORDERS_V0: SchemaDoc = {
  type: "struct",
  "schema-id": 0,
  "identifier-field-ids": [1],
  fields: [
    { id: 1, name: "order_id", required: true, type: "long" },
    { id: 2, name: "amount", required: false, type: "decimal(10,2)" },
  ],
};
const ORDERS_V1: SchemaDoc = {
  type: "struct",
  "schema-id": 1,
  "identifier-field-ids": [1],
  fields: [
    { id: 1, name: "order_id", required: true, type: "long", doc: "Order number" },
    { id: 2, name: "amount", required: false, type: "decimal(10,2)" },
    { id: 3, name: "region", required: true, type: "string" },
    { id: 4, name: "ordered_at", required: false, type: "timestamptz" },
    {
      id: 5,
      name: "shipping",
      required: false,
      type: { type: "struct", fields: [{ id: 6, name: "city", required: false, type: "string" }, { id: 7, name: "zip", required: false, type: "int" }] },
    },
    { id: 8, name: "tags", required: false, type: { type: "list", "element-id": 9, element: "string", "element-required": false } },
    {
      id: 10,
      name: "attributes",
      required: false,
      type: { type: "map", "key-id": 11, key: "string", "value-id": 12, value: "long", "value-required": false },
    },
  ],
};

export function tableMetadata(
  location: string,
  schemas: SchemaDoc[],
  currentSchemaId: number,
  opts: {
    partitionFields?: Array<{ "source-id": number; "field-id": number; name: string; transform: string }>;
    snapshot?: { id: bigint; summary: Record<string, string>; manifestList: string };
    properties?: Record<string, string>;
  } = {},
): Record<string, unknown> {
  const snapshots = opts.snapshot
    ? [
        {
          "snapshot-id": opts.snapshot.id,
          "sequence-number": 1,
          "timestamp-ms": T0,
          "manifest-list": opts.snapshot.manifestList,
          summary: { operation: "append", ...opts.snapshot.summary },
          "schema-id": currentSchemaId,
        },
      ]
    : [];
  const lastColumnId = Math.max(...schemas.flatMap(function ids(s): number[] {
    const walk = (t: unknown): number[] => {
      if (!t || typeof t !== "object") return [];
      const o = t as Record<string, unknown>;
      if (o.type === "struct") return (o.fields as Field[]).flatMap((f) => [f.id, ...walk(f.type)]);
      if (o.type === "list") return [o["element-id"] as number, ...walk(o.element)];
      if (o.type === "map") return [o["key-id"] as number, o["value-id"] as number, ...walk(o.key), ...walk(o.value)];
      return [];
    };
    return walk(s);
  }), 0);
  return {
    "format-version": 2,
    "table-uuid": randomUUID(),
    location,
    "last-sequence-number": opts.snapshot ? 1 : 0,
    "last-updated-ms": T0,
    "last-column-id": lastColumnId,
    "current-schema-id": currentSchemaId,
    schemas,
    "default-spec-id": 0,
    "partition-specs": [{ "spec-id": 0, fields: opts.partitionFields ?? [] }],
    "last-partition-id": Math.max(999, ...(opts.partitionFields ?? []).map((f) => f["field-id"])),
    "default-sort-order-id": 0,
    "sort-orders": [{ "order-id": 0, fields: [] }],
    properties: { "write.format.default": "parquet", ...opts.properties },
    "current-snapshot-id": opts.snapshot ? opts.snapshot.id : -1,
    snapshots,
    refs: opts.snapshot ? { main: { "snapshot-id": opts.snapshot.id, type: "branch" } } : {},
    "snapshot-log": opts.snapshot ? [{ "snapshot-id": opts.snapshot.id, "timestamp-ms": T0 }] : [],
    "metadata-log": [],
  };
}

// `warehouse` is the storage root (s3://bucket/prefix); data files are added by the preview seed.
export function seedCatalog(
  warehouse: string,
  opts: { placeholderSchema0?: boolean; extra?: Array<{ namespace: string[]; name: string; metadata: Record<string, unknown>; metadataLocation: string }> } = {},
): CatalogState {
  const namespaces = [["sales"], ["sales", "eu"], ["analytics"], ["empty"]];
  const tables = new Map<string, TableDoc>();
  const views = new Map<string, ViewDoc>();
  const add = (ns: string[], name: string, metadata: Record<string, unknown>) =>
    tables.set(key(ns, name), { metadataLocation: `${metadata.location}/metadata/00001-${randomUUID()}.metadata.json`, metadata });

  const orderSchemas = opts.placeholderSchema0
    ? [{ type: "struct" as const, "schema-id": 0, fields: [] }, { ...ORDERS_V1, "schema-id": 1 }]
    : [ORDERS_V0, ORDERS_V1];
  add(
    ["sales"],
    "orders",
    tableMetadata(`${warehouse}/sales/orders`, orderSchemas, 1, {
      partitionFields: [
        { "source-id": 3, "field-id": 1000, name: "region", transform: "identity" },
        { "source-id": 4, "field-id": 1001, name: "ordered_at_day", transform: "day" },
      ],
      snapshot: {
        id: 3051729675574597004n,
        manifestList: `${warehouse}/sales/orders/metadata/snap-3051729675574597004.avro`,
        summary: { "total-records": "5", "total-files-size": "4096", "total-data-files": "2", "total-delete-files": "0" },
      },
    }),
  );
  add(
    ["sales"],
    "customers",
    tableMetadata(`${warehouse}/sales/customers`, [{ type: "struct", "schema-id": 0, "identifier-field-ids": [1], fields: [
      { id: 1, name: "id", required: true, type: "long" },
      { id: 2, name: "name", required: false, type: "string" },
      { id: 3, name: "uuid", required: false, type: "uuid" },
    ] }], 0),
  );
  add(["sales", "eu"], "returns", tableMetadata(`${warehouse}/sales/eu/returns`, [{ type: "struct", "schema-id": 0, fields: [{ id: 1, name: "return_id", required: true, type: "long" }] }], 0));
  for (let i = 0; i < WIDE_TABLES; i++) {
    const name = `events_${String(i).padStart(3, "0")}`;
    add(WIDE_NAMESPACE, name, tableMetadata(`${warehouse}/analytics/${name}`, [{ type: "struct", "schema-id": 0, fields: [{ id: 1, name: "ts", required: true, type: "timestamp" }] }], 0));
  }
  for (const t of opts.extra ?? []) tables.set(key(t.namespace, t.name), { metadataLocation: t.metadataLocation, metadata: t.metadata });
  views.set(key(["sales"], "order_summary"), {
    metadataLocation: `${warehouse}/sales/order_summary/metadata/00001.metadata.json`,
    metadata: {
      "view-uuid": randomUUID(),
      "format-version": 1,
      location: `${warehouse}/sales/order_summary`,
      "current-version-id": 1,
      versions: [
        {
          "version-id": 1,
          "timestamp-ms": T0,
          "schema-id": 0,
          summary: { operation: "create" },
          representations: [{ type: "sql", sql: "SELECT region, sum(amount) AS total FROM sales.orders GROUP BY region", dialect: "spark" }],
          "default-namespace": ["sales"],
        },
      ],
      "version-log": [{ "version-id": 1, "timestamp-ms": T0 }],
      schemas: [{ type: "struct", "schema-id": 0, fields: [{ id: 1, name: "region", required: false, type: "string" }, { id: 2, name: "total", required: false, type: "decimal(20,2)" }] }],
      properties: {},
    },
  });
  return { namespaces, tables, views };
}
