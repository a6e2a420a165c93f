import { z } from "@hono/zod-openapi";
import { cursorParam, limitParam, pageOf } from "../lib/pagination";
import { testSettingsBody } from "./engines";

const PORTABLE = ["string", "integer", "decimal", "float", "boolean", "date", "time", "timestamp", "timestamp_tz", "json", "binary", "array", "struct", "map", "other"] as const;
export const portableType = z.enum(PORTABLE).openapi("PortableType");

const connId = z
  .string()
  .regex(/^conn_[0-9a-z]{21}$/, "must be a conn_ id")
  .openapi({ example: "conn_0mia3k8x2abcdefghijkl" });
const name = z.string().min(1).max(1024);

// The opt-in to start compute, shared by every operation that runs a statement on a warehouse.
export const WAKE =
  "Snowflake and Databricks: allow this call to start (resume) a stopped or suspended warehouse, which bills compute. " +
  "Without it the warehouse's state is read first (no compute) and a warehouse that is not running answers 409 " +
  "warehouse_not_running with `warehouse: {id, state}`; with it that check (one round trip) is skipped. Other engines ignore it.";

export const TestStepSchema = z
  .object({
    name: z.enum(["connect", "authenticate", "authorize", "warehouse", "sample"]).openapi({
      description:
        "`warehouse` (Snowflake, Databricks) reads the warehouse's state without starting it; a stopped warehouse is reported, not resumed",
    }),
    status: z.enum(["passed", "failed", "skipped"]),
    elapsedMs: z.number(),
    message: z.string(),
    code: z.string().optional(),
  })
  .openapi("TestStep");

export const TestResultSchema = z
  .object({
    ok: z.boolean(),
    latencyMs: z.number(),
    serverVersion: z.string().nullable().optional(),
    warehouse: z
      .object({ id: z.string(), state: z.string() })
      .optional()
      .openapi({ description: "The warehouse the connection uses and its state when tested (Snowflake: STARTED, SUSPENDED, ...; Databricks: RUNNING, STOPPED, ...)" }),
    steps: z.array(TestStepSchema),
  })
  .openapi("TestResult", {
    example: {
      ok: true,
      latencyMs: 84,
      serverVersion: "PostgreSQL 18.1",
      steps: [
        { name: "connect", status: "passed", elapsedMs: 31, message: "Connected to db.example.com:5432" },
        { name: "authenticate", status: "passed", elapsedMs: 22, message: "Authenticated as analyst" },
        { name: "authorize", status: "passed", elapsedMs: 17, message: "Can read database analytics" },
        { name: "sample", status: "passed", elapsedMs: 14, message: "SELECT 1 answered" },
      ],
    },
  });

// One variant per engine in the registry: config is the engine's schema, the inline credential its methods.
export const TestSettingsSchema = testSettingsBody({
  credentialId: z.string().max(64).optional().openapi({ description: "Stored credential to resolve secrets from" }),
}).openapi("TestConnectionSettings");

export const TestSavedConnectionSchema = z
  .strictObject({
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          "Edited settings: a JSON Merge Patch (RFC 7396) over the stored config (null removes a key), validated, tested with the stored credential and never saved. Its hosts must be approved for the credential (403 host_not_approved)",
        example: { database: "analytics_staging", schema: "public" },
      }),
  })
  .openapi("TestSavedConnection");

export const ColumnSchema = z
  .object({
    name: z.string(),
    position: z.number().int(),
    type: portableType,
    nativeType: z.string(),
    nullable: z.boolean(),
    comment: z.string().nullable().optional(),
    fieldId: z.number().int().optional().openapi({ description: "Catalog field id (Iceberg)" }),
    primaryKey: z.boolean().optional().openapi({ description: "An identifier field (Iceberg identifier-field-ids)" }),
    partition: z.array(z.string()).optional().openapi({ description: "Partition transforms with this column as source (identity, day, bucket[16], ...)" }),
  })
  .openapi("Column", { example: { name: "amount", position: 3, type: "decimal", nativeType: "numeric(12,2)", nullable: false, comment: null } });

export const TableDetailsSchema = z
  .object({
    format: z.string(),
    formatVersion: z.number().int().optional(),
    location: z.string().nullable().optional(),
    lastUpdated: z.string().nullable().optional(),
    rowCount: z.union([z.number(), z.string()]).nullable().optional(),
    sizeBytes: z.union([z.number(), z.string()]).nullable().optional(),
  })
  .catchall(z.unknown())
  .openapi("TableDetails", { description: "Free details of the table from catalog metadata (no data read): Iceberg current snapshot summary, Glue table parameters" });

export const CatalogSchema = z.object({ name: z.string(), comment: z.string().nullable().optional() }).openapi("Catalog", { example: { name: "analytics", comment: null } });
export const SchemaInfoSchema = z
  .object({ name: z.string(), catalog: z.string().nullable().optional(), comment: z.string().nullable().optional() })
  .openapi("SchemaInfo", { example: { name: "sales", catalog: "analytics", comment: null } });
export const TableSchema = z
  .object({
    name: z.string(),
    schema: z.string(),
    catalog: z.string().nullable().optional(),
    kind: z.enum(["table", "view", "materialized_view", "external", "foreign", "other"]),
    comment: z.string().nullable().optional(),
  })
  .openapi("Table", { example: { name: "orders", schema: "sales", catalog: "analytics", kind: "table", comment: "One row per order" } });

export const FileEntrySchema = z
  .object({
    kind: z.enum(["folder", "object"]),
    path: z.string(),
    size: z.number().optional(),
    lastModified: z.string().nullable().optional(),
    etag: z.string().nullable().optional(),
  })
  .openapi("FileEntry", { example: { kind: "object", path: "shop/orders.parquet", size: 48213, lastModified: "2026-11-01T08:00:00.000Z", etag: '"9b2cf535f27731c974343645a3985328"' } });

export const RowSetSchema = z
  .object({
    columns: z.array(
      z.object({
        name: z.string(),
        type: portableType,
        nativeType: z.string(),
        unsupported: z.string().optional().openapi({ description: "Set when the column's type cannot be decoded: why; its values are null" }),
      }),
    ),
    rows: z.array(z.array(z.unknown())).openapi({ description: "JSON-safe values (the README's value table): 64-bit integers and decimals as exact strings, dates and times ISO-8601, binary base64" }),
    rowCount: z.number().int(),
    truncated: z.boolean(),
    elapsedMs: z.number(),
    requests: z.number().int().optional().openapi({ description: "Object storage: GET requests this answer made" }),
    bytesRead: z.number().int().optional().openapi({ description: "Object storage: bytes those requests returned" }),
    warnings: z.array(z.string()).optional().openapi({ description: "What the rows may get wrong, e.g. Iceberg deletes that could not be applied, or an initial-default that was not" }),
  })
  .openapi("RowSet", {
    example: {
      columns: [
        { name: "id", type: "integer", nativeType: "int8" },
        { name: "amount", type: "decimal", nativeType: "numeric(12,2)" },
        { name: "ordered_at", type: "timestamp_tz", nativeType: "timestamptz" },
      ],
      rows: [
        ["1001", "129.90", "2026-11-01T08:15:00.000Z"],
        ["1002", "15.00", "2026-11-01T09:02:11.000Z"],
      ],
      rowCount: 2,
      truncated: false,
      elapsedMs: 12,
    },
  });

export const FileSchemaSchema = z
  .object({ path: z.string(), format: z.string(), columns: z.array(ColumnSchema) })
  .catchall(z.unknown())
  .openapi("FileSchema", {
    example: {
      path: "shop/orders.parquet",
      format: "parquet",
      columns: [
        { name: "id", position: 1, type: "integer", nativeType: "INT64", nullable: false },
        { name: "amount", position: 2, type: "decimal", nativeType: "DECIMAL(12,2)", nullable: true },
      ],
      rowGroups: 1,
      rows: 2000,
    },
  });

// Pages of a data system's lists: `truncated` says the system's own list could not be followed.
export const enginePageOf = <T extends z.ZodType>(item: T) =>
  pageOf(item).extend({
    truncated: z
      .literal(true)
      .optional()
      .openapi({ description: "Present when the data system's own list could not be followed to its end (for example it repeated a page token): the list is incomplete" }),
  });

export const page = { limit: limitParam(100, 1000), cursor: cursorParam };

export const TablesQuery = z.object({
  catalog: name.optional().openapi({ description: "Catalog (engines with catalogs)" }),
  schema: name.optional().openapi({ description: "Limit to a schema (when applicable)" }),
  ...page,
});
export const ColumnsQuery = z.object({
  catalog: name.optional(),
  schema: name.openapi({ description: "Schema name" }),
  table: name.openapi({ description: "Table name" }),
  ...page,
});
export const PreviewQuery = z.object({
  catalog: name.optional(),
  schema: name.optional().openapi({ description: "Schema or namespace (not used for object storage)" }),
  table: name.openapi({ description: "Table name, or object key for cloud storage" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: "Max rows (default 100, at most 1000)" }),
  columns: z
    .string()
    .max(10_000)
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const names = v.split(",").map((n) => n.trim());
      if (names.some((n) => n === "")) {
        ctx.addIssue({ code: "custom", message: "columns must be a comma-separated list of column names" });
        return z.NEVER;
      }
      return names;
    })
    .openapi({ description: "Only these columns, comma-separated, in this order (Parquet: only their column chunks are read)", example: "id,amount" }),
  wake: z.enum(["true", "false"]).optional().openapi({ description: WAKE }),
});

export const withConnectionId = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ connectionId: connId.openapi({ description: "Connection to introspect" }), ...shape });

export const TestQueryBody = z
  .strictObject({
    connectionId: connId,
    sql: z.string().min(1).max(100_000).openapi({ description: "One read-only statement (SELECT, WITH, VALUES, SHOW, DESCRIBE, EXPLAIN)", example: "SELECT 1 AS one" }),
    maxRows: z.number().int().min(1).max(10_000).default(1000).openapi({ description: "Row cap (default 1000, at most 10000)" }),
    timeoutMs: z.number().int().min(100).max(60_000).default(15_000).openapi({ description: "Statement timeout in ms (default 15000, at most 60000)" }),
    wake: z.boolean().default(false).openapi({ description: WAKE }),
  })
  .openapi("TestQuery");

export const DiscoverBody = z
  .strictObject({
    connectionId: connId.openapi({ description: "Databricks connection ID" }),
    catalog: name.optional().openapi({ description: "When set, list schemas inside this catalog only" }),
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(4096).optional(),
  })
  .openapi("DiscoverRequest");

export { connId };
