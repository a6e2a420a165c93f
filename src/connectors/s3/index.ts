import { unsupported } from "../errors";
import type { ConnectorDefinition, ConnectorSession } from "../types";
import { S3Client, resolveEndpoint } from "./client";
import { s3Config, s3Credentials, type S3Config } from "./config";
import { datasetPreview, datasetSchema, isDatasetPath } from "./dataset";
import { listFiles } from "./list";
import { preview } from "./preview";
import { inferFileSchema } from "./schema";
import { testConnection } from "./test";

// S3 and S3-compatible object storage (R2, GCS interoperability, MinIO, ...): browse objects, infer
// file schemas (Parquet from the footer, CSV/TSV/NDJSON/JSON from a 64 KB sample) and preview rows.
// SQL and catalog introspection are not capabilities of object storage.
export const s3Connector: ConnectorDefinition<S3Config> = {
  type: "s3",
  displayName: "S3-compatible object storage",
  capabilities: ["files", "fileSchema", "preview"],
  config: s3Config,
  credentials: s3Credentials,
  hosts: (config) => [resolveEndpoint(config).host],
  async open(config, credential, ctx): Promise<ConnectorSession> {
    const client = new S3Client(config, credential, ctx);
    const no = (operation: string) => async () => {
      throw unsupported("s3", operation);
    };
    return {
      test: () => testConnection(client),
      listFiles: (args, page) => listFiles(client, args, page),
      // a path ending in "/" is a folder: read as one dataset
      inferFileSchema: (args) => (isDatasetPath(args.path) ? datasetSchema(client, args.path) : inferFileSchema(client, args)),
      preview: (args) =>
        isDatasetPath(args.table)
          ? datasetPreview(client, ctx, { path: args.table, limit: args.limit, columns: args.columns })
          : preview(client, ctx, { table: args.table, limit: args.limit, columns: args.columns }),
      listCatalogs: no("listing catalogs"),
      listSchemas: no("listing schemas"),
      listTables: no("listing tables"),
      listColumns: no("listing columns"),
      query: no("SQL queries"),
      discover: no("discovery"),
    };
  },
};
