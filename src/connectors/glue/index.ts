import { ConnectorError } from "../errors";
import { keysOf, StorageReader, storageHosts } from "../lakehouse/storage";
import type { ConnectorDefinition, ConnectorSession } from "../types";
import { getTable, listCatalogs, listSchemas, listTables, tableColumns } from "./catalog";
import { testConnection } from "./check";
import { previewGlue } from "./preview";
import { GlueClient } from "./client";
import { glueConfig, glueCredentials, glueEndpoint, type GlueConfig } from "./config";

// The AWS Glue Data Catalog (Hive-metastore style): catalogs (GetCatalogs), databases, tables and
// their columns over the Glue JSON API, signed with SigV4. Iceberg tables registered in Glue take
// their columns from the Iceberg metadata file in S3 (same key pair).
export type GlueSession = ConnectorSession & { readonly roundTrips: number };

export const glueConnector: ConnectorDefinition<GlueConfig> = {
  type: "glue",
  displayName: "AWS Glue Data Catalog",
  capabilities: ["catalogs", "schemas", "tables", "columns", "preview"],
  config: glueConfig,
  credentials: glueCredentials,
  hosts(config) {
    const hosts = [new URL(glueEndpoint(config)).hostname, ...storageHosts({ region: config.region, endpoint: config.s3Endpoint })];
    return [...new Set(hosts.map((h) => h.replace(/^\[|\]$/g, "")))];
  },
  // An S3 credential named in the config reads S3 instead of the Glue key pair (sent to S3 hosts only).
  storageCredential(config) {
    if (!config.s3CredentialId) return null;
    return { credentialId: config.s3CredentialId, hosts: storageHosts({ region: config.region, endpoint: config.s3Endpoint }), path: "config.s3CredentialId" };
  },
  async open(config, credential, ctx): Promise<GlueSession> {
    const client = new GlueClient(config, credential, ctx);
    const access = {
      target: { region: config.region, endpoint: config.s3Endpoint, addressing: config.s3Addressing },
      keys: keysOf(ctx.storageCredential) ?? keysOf(credential ?? undefined)!,
    };
    const storage = new StorageReader(access.target, access.keys, ctx);
    return {
      get roundTrips() {
        return client.roundTrips + storage.requests;
      },
      test: () => testConnection(client),
      listCatalogs: (page) => listCatalogs(client, page),
      listSchemas: (args, page) => listSchemas(client, args.catalog, page),
      listTables: (args, page) => listTables(client, args, page),
      preview: (args) => previewGlue(client, storage, access, ctx, { ...args, limit: Math.min(args.limit, ctx.limits.previewRows) }),
      async listColumns(args, page) {
        const all = await tableColumns(client, storage, await getTable(client, args));
        const offset = page.cursor ? Number(/^o:(\d+)$/.exec(page.cursor)?.[1] ?? NaN) : 0;
        if (!Number.isInteger(offset)) throw new ConnectorError("invalid_request", "The cursor is not valid");
        return { data: all.data.slice(offset, offset + page.limit), nextCursor: offset + page.limit < all.data.length ? `o:${offset + page.limit}` : null, table: all.table };
      },
    };
  },
};
