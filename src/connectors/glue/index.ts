import { ConnectorError } from "../errors";
import { StorageReader } from "../lakehouse/storage";
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
    const hosts = [new URL(glueEndpoint(config)).hostname];
    if (config.s3Endpoint) hosts.push(new URL(config.s3Endpoint).hostname);
    else hosts.push(`s3.${config.region}.amazonaws.com`, `*.s3.${config.region}.amazonaws.com`);
    return [...new Set(hosts.map((h) => h.replace(/^\[|\]$/g, "")))];
  },
  async open(config, credential, ctx): Promise<GlueSession> {
    const client = new GlueClient(config, credential, ctx);
    const access = {
      target: { region: config.region, endpoint: config.s3Endpoint, addressing: config.s3Addressing },
      keys: { accessKeyId: credential!.identity.accessKeyId!, secretAccessKey: credential!.secrets.secretAccessKey!, sessionToken: credential!.secrets.sessionToken },
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
