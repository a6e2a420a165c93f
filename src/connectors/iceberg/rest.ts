import { ConnectorError } from "../errors";
import type { IcebergClient } from "./client";

// Namespace and table listings, and loadTable, over the Iceberg REST routes. Lists are paged with
// pageToken/pageSize (an empty pageToken asks a paginating server to start paging); a server that
// ignores paging answers everything at once and the caller pages over it by index. A server that
// sends back a token it already sent is stopped there (the Java client looped forever on that).

export type PageState = { t: string; i: number }; // page token to send ("" = first), index into that page
export type ListPage<T> = { items: T[]; next: string | null };

export const MAX_PAGES_PER_CALL = 20;
const DEADLINE_MARGIN_MS = 500;

export type Identifier = { namespace: string[]; name: string; kind: "table" | "view" };

function asNamespaces(v: unknown): string[][] {
  if (!Array.isArray(v)) throw new ConnectorError("upstream_error", "The Iceberg catalog answered namespaces that are not arrays");
  return v.map((ns) => {
    if (!Array.isArray(ns) || !ns.every((p) => typeof p === "string")) {
      throw new ConnectorError("upstream_error", "The Iceberg catalog answered a namespace that is not an array of strings");
    }
    return ns as string[];
  });
}

const tokenOf = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

export async function namespacePage(client: IcebergClient, parent: string[], token: string, pageSize: number): Promise<ListPage<string[]>> {
  const { separator } = await client.catalogSettings();
  const body = await client.request<Record<string, unknown>>(await client.path("namespaces"), {
    query: { parent: parent.length ? parent.join(separator) : undefined, pageToken: token, pageSize: String(pageSize) },
    what: "namespace listing",
    expect: ["namespaces"],
  });
  return { items: asNamespaces(body.namespaces), next: tokenOf(body["next-page-token"]) };
}

export async function identifierPage(
  client: IcebergClient,
  namespace: string[],
  kind: "table" | "view",
  token: string,
  pageSize: number,
): Promise<ListPage<Identifier>> {
  const route = kind === "table" ? "tables" : "views";
  const body = await client.request<Record<string, unknown>>(await client.path(`namespaces/${await client.namespacePath(namespace)}/${route}`), {
    query: { pageToken: token, pageSize: String(pageSize) },
    what: `${kind} listing`,
    expect: ["identifiers"],
  });
  if (!Array.isArray(body.identifiers)) throw new ConnectorError("upstream_error", `The Iceberg catalog's ${kind} listing answered identifiers that are not an array`);
  const items = body.identifiers.map((id: unknown) => {
    const o = id as { namespace?: unknown; name?: unknown };
    if (!o || typeof o.name !== "string") throw new ConnectorError("upstream_error", `The Iceberg catalog's ${kind} listing answered an identifier without a name`);
    return { namespace: Array.isArray(o.namespace) ? (o.namespace as string[]) : namespace, name: o.name, kind };
  });
  return { items, next: tokenOf(body["next-page-token"]) };
}

// Reads pages from `state` until `limit` items, the end, a repeated token, the page cap or the
// deadline. `next` is where to go on; `truncated` says the server's list could not be followed.
export async function collect<T>(
  client: IcebergClient,
  fetchPage: (token: string, pageSize: number) => Promise<ListPage<T>>,
  limit: number,
  state: PageState = { t: "", i: 0 },
): Promise<{ items: T[]; next: PageState | null; truncated: boolean }> {
  const items: T[] = [];
  let { t, i } = state;
  const seen = new Set<string>([t]);
  for (let pages = 0; ; pages++) {
    if (pages >= MAX_PAGES_PER_CALL || (pages > 0 && Date.now() > client.ctx.deadline - DEADLINE_MARGIN_MS)) return { items, next: { t, i }, truncated: false };
    const page = await fetchPage(t, Math.max(1, limit - items.length + i));
    const rest = page.items.slice(i);
    const take = rest.slice(0, limit - items.length);
    items.push(...take);
    if (take.length < rest.length) return { items, next: { t, i: i + take.length }, truncated: false };
    if (!page.next) return { items, next: null, truncated: false };
    if (seen.has(page.next)) return { items, next: null, truncated: true };
    seen.add(page.next);
    t = page.next;
    i = 0;
    if (items.length >= limit) return { items, next: { t, i }, truncated: false };
  }
}

export type TableMetadata = Record<string, unknown> & {
  "format-version": number;
  "table-uuid"?: string;
  location?: string;
  "last-updated-ms"?: number;
  "current-schema-id"?: number;
  schemas?: IcebergSchema[];
  schema?: IcebergSchema; // format v1 only
  "partition-specs"?: Array<{ "spec-id": number; fields: Array<{ "source-id": number; "field-id"?: number; name: string; transform: string }> }>;
  "default-spec-id"?: number;
  partition_spec?: Array<{ "source-id": number; name: string; transform: string }>; // format v1 only
  "current-snapshot-id"?: number | null;
  snapshots?: Snapshot[];
};
export type Snapshot = {
  "snapshot-id": number;
  "sequence-number"?: number;
  "timestamp-ms": number;
  "manifest-list"?: string;
  summary?: Record<string, string>;
  "schema-id"?: number;
};
export type IcebergField = { id: number; name: string; required: boolean; type: IcebergType; doc?: string };
export type IcebergType =
  | string
  | { type: "struct"; fields: IcebergField[] }
  | { type: "list"; "element-id": number; element: IcebergType; "element-required": boolean }
  | { type: "map"; "key-id": number; key: IcebergType; "value-id": number; value: IcebergType; "value-required": boolean };
export type IcebergSchema = { type: "struct"; "schema-id"?: number; "identifier-field-ids"?: number[]; fields: IcebergField[] };

// What loadTable answers. `config` and `storage-credentials` may hold live storage keys: they stay in
// `vended` and never reach an answer or a log.
export type LoadedTable = {
  metadataLocation: string | null;
  // Snapshot ids are 64-bit: JSON numbers lose digits past 2^53, so the exact id is read from the text.
  currentSnapshotId: string | null;
  metadata: TableMetadata;
  vended: { config: Record<string, string>; storageCredentials: Array<{ prefix: string; config: Record<string, string> }> };
};

export async function loadTable(client: IcebergClient, namespace: string[], table: string, opts: { vend?: boolean } = {}): Promise<LoadedTable> {
  const path = await client.path(`namespaces/${await client.namespacePath(namespace)}/tables/${encodeURIComponent(table)}`);
  let exactId: string | null = null;
  const body = await client.request<Record<string, unknown>>(path, {
    onText: (text) => (exactId = /"current-snapshot-id"\s*:\s*(-?\d+)/.exec(text)?.[1] ?? null),
    query: { snapshots: "refs" },
    what: "table lookup",
    expect: ["metadata"],
    headers: opts.vend ? { "x-iceberg-access-delegation": "vended-credentials" } : undefined,
  });
  const metadata = body.metadata as TableMetadata;
  if (!metadata || typeof metadata !== "object" || typeof metadata["format-version"] !== "number") {
    throw new ConnectorError("upstream_error", "The Iceberg catalog's table lookup answered metadata without a format-version");
  }
  const strings = (v: unknown) => {
    const out: Record<string, string> = {};
    if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
    return out;
  };
  const creds = Array.isArray(body["storage-credentials"]) ? body["storage-credentials"] : [];
  const vended = {
    config: strings(body.config),
    storageCredentials: creds
      .filter((c): c is { prefix: string; config: unknown } => !!c && typeof (c as { prefix?: unknown }).prefix === "string")
      .map((c) => ({ prefix: c.prefix, config: strings(c.config) })),
  };
  for (const v of [...Object.values(vended.config), ...vended.storageCredentials.flatMap((c) => Object.values(c.config))]) {
    if (v.length >= 8 && !client.auth.secrets.includes(v)) client.auth.secrets.push(v);
  }
  const current = exactId !== null && exactId !== "-1" ? exactId : null;
  return { metadataLocation: typeof body["metadata-location"] === "string" ? body["metadata-location"] : null, currentSnapshotId: current, metadata, vended };
}

export type LoadedView = { schema: IcebergSchema };

export async function loadView(client: IcebergClient, namespace: string[], view: string): Promise<LoadedView> {
  const path = await client.path(`namespaces/${await client.namespacePath(namespace)}/views/${encodeURIComponent(view)}`);
  const body = await client.request<{ metadata?: Record<string, unknown> }>(path, { what: "view lookup", expect: ["metadata"] });
  const m = body.metadata ?? {};
  const versions = Array.isArray(m.versions) ? (m.versions as Array<{ "version-id": number; "schema-id": number }>) : [];
  const current = versions.find((v) => v["version-id"] === m["current-version-id"]);
  const schemas = Array.isArray(m.schemas) ? (m.schemas as IcebergSchema[]) : [];
  const schema = current ? schemas.find((s) => s["schema-id"] === current["schema-id"]) : undefined;
  if (!schema) throw new ConnectorError("upstream_error", "The view's metadata has no schema for its current version");
  return { schema };
}
