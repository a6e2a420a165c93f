import type { z } from "zod";

// The contract every engine implements. Engines declare what they can do up front; the services
// refuse anything else with capability_not_supported before opening a session.
export type Capability =
  | "sql"
  | "catalogs"
  | "schemas"
  | "tables"
  | "columns"
  | "preview"
  | "files"
  | "fileSchema"
  | "discover";

export type PortableType =
  | "string"
  | "integer"
  | "decimal"
  | "float"
  | "boolean"
  | "date"
  | "time"
  | "timestamp"
  | "timestamp_tz"
  | "json"
  | "binary"
  | "array"
  | "struct"
  | "map"
  | "other";

export type Column = {
  name: string;
  position: number; // 1-based
  type: PortableType;
  nativeType: string;
  nullable: boolean;
  comment?: string | null;
  // Catalog engines (Iceberg): the field id, identifier fields, partition source transforms.
  fieldId?: number;
  primaryKey?: boolean;
  partition?: string[];
};

// `unsupported`: why the column's values are all null (a type the reader cannot decode).
export type ResultColumn = { name: string; type: PortableType; nativeType: string; unsupported?: string };

// Values are JSON-safe: 64-bit integers and decimals as strings, dates ISO-8601, binary base64.
export type RowSet = {
  columns: ResultColumn[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
  requests?: number; // object storage: GET requests made for this answer
  bytesRead?: number; // object storage: bytes those requests returned
  warnings?: string[]; // what the rows may get wrong (e.g. Iceberg delete files not applied)
};

// truncated: the engine's own list could not be followed to its end (e.g. it repeated a page token).
export type Page<T> = { data: T[]; nextCursor: string | null; truncated?: true };
// Columns may come with free details of their table (row count, size, location, ...).
export type TableDetails = { format: string; [detail: string]: unknown };
export type ColumnPage = Page<Column> & { table?: TableDetails };
// `cursor` is whatever string the connector put in nextCursor on the previous page (the API wraps it).
export type PageRequest = { limit: number; cursor?: string };

export type CatalogInfo = { name: string; comment?: string | null };
export type SchemaInfo = { name: string; catalog?: string | null; comment?: string | null };
export type TableInfo = {
  name: string;
  schema: string;
  catalog?: string | null;
  kind: "table" | "view" | "materialized_view" | "external" | "foreign" | "other";
  comment?: string | null;
};
export type FileEntry =
  | { kind: "folder"; path: string }
  | { kind: "object"; path: string; size: number; lastModified: string | null; etag: string | null };

// Engine-specific details (row groups, delimiter, sampled bytes, ...) ride along as extra keys.
export type FileSchema = { path: string; format: string; columns: Column[]; [detail: string]: unknown };

export type TestStepName = "connect" | "authenticate" | "authorize" | "warehouse" | "sample";
export type TestStep = {
  name: TestStepName;
  status: "passed" | "failed" | "skipped";
  elapsedMs: number;
  message: string;
  code?: string;
};
export type TestResult = { ok: boolean; steps: TestStep[]; serverVersion?: string | null; warehouse?: { id: string; state: string } };

export type Limits = {
  previewRows: number; // already clamped by the API: default 100, at most 1000
  queryRows: number; // default 1000, at most 10000
  responseBytes: number; // cap on bytes of row data returned
  statementTimeoutMs: number; // default 15 s, at most 60 s
};

// What an operation gets from the platform: the only way out to the network, and its deadline.
export type ConnectorContext = {
  // The guarded fetch: egress rules applied, redirects to other hosts refused, deadline enforced.
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  // For transports that do not go through fetch (WebSockets): throws host_not_allowed when refused.
  assertAllowed: (url: string | URL) => void;
  allowPrivateNetwork: boolean;
  deadline: number; // epoch milliseconds
  signal: AbortSignal;
  limits: Limits;
  // The second credential the config names for object storage (ConnectorDefinition.storageCredential):
  // an s3 accessKey credential, decrypted only after the platform checked it is approved for
  // `hosts` of that declaration. Absent when the config names none.
  storageCredential?: ResolvedCredential;
};

export type TableRef = { catalog?: string; schema: string; table: string };

// A session is opened per API call and closed after it. Optional operations match capabilities.
export interface ConnectorSession {
  test(): Promise<TestResult>;
  listCatalogs?(page: PageRequest): Promise<Page<CatalogInfo>>;
  listSchemas?(args: { catalog?: string }, page: PageRequest): Promise<Page<SchemaInfo>>;
  listTables?(args: { catalog?: string; schema?: string }, page: PageRequest): Promise<Page<TableInfo>>;
  listColumns?(args: TableRef, page: PageRequest): Promise<ColumnPage>;
  // columns: only these, in this order (object storage reads only their bytes where the format allows)
  // wake: the caller allows starting (resuming) a stopped warehouse; without it an engine with
  // warehouses refuses with warehouse_not_running before issuing the statement.
  preview?(args: TableRef & { limit: number; columns?: string[]; wake?: boolean }): Promise<RowSet>;
  query?(args: { sql: string; maxRows: number; timeoutMs: number; wake?: boolean }): Promise<RowSet>;
  listFiles?(args: { path: string; delimiter: string }, page: PageRequest): Promise<Page<FileEntry>>;
  inferFileSchema?(args: { path: string }): Promise<FileSchema>;
  discover?(args: { catalog?: string }, page: PageRequest): Promise<Page<Record<string, unknown>>>;
  close?(): Promise<void>;
}

// One auth method of an engine: non-secret identity fields and secret fields, both strict objects.
export type CredentialMethod = {
  identity: z.ZodObject;
  secrets: z.ZodObject;
};

export type ResolvedCredential = {
  method: string;
  identity: Record<string, string>;
  secrets: Record<string, string>;
};

export interface ConnectorDefinition<Config = Record<string, unknown>> {
  type: string;
  displayName: string;
  capabilities: readonly Capability[];
  config: z.ZodType<Config>; // strict: unknown keys rejected
  credentials: Record<string, CredentialMethod>;
  // Hosts this connection will contact; checked by the egress guard before any request.
  hosts(config: Config): string[];
  // Engines whose data files live in object storage may name a second credential (type s3, method
  // accessKey) in their config. The platform resolves it in the same workspace, checks it is approved
  // for `hosts` (the only hosts it is sent to; also among hosts(config)) and puts it in
  // ctx.storageCredential. `path` is where the id sits in the config, for error messages.
  storageCredential?(config: Config): { credentialId: string; hosts: string[]; path: string } | null;
  open(config: Config, credential: ResolvedCredential | null, ctx: ConnectorContext): Promise<ConnectorSession>;
}
