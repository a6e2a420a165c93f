import { storageHosts } from "../lakehouse/storage";
import type { ConnectorDefinition } from "../types";
import { icebergConfig, icebergCredentials, tokenUrl, type IcebergConfig } from "./config";
import { openSession } from "./session";

// Any Iceberg REST catalog (R2 Data Catalog, Polaris, Snowflake Open Catalog, Unity's Iceberg
// endpoint, Glue and S3 Tables Iceberg endpoints, Lakekeeper, Nessie, Gravitino, ...): namespaces,
// tables, views and schemas over the REST spec, with bearer, OAuth2 client credentials or SigV4.
export const icebergConnector: ConnectorDefinition<IcebergConfig> = {
  type: "iceberg",
  displayName: "Apache Iceberg REST catalog",
  capabilities: ["catalogs", "schemas", "tables", "columns", "preview"],
  config: icebergConfig,
  credentials: icebergCredentials,
  hosts(config) {
    const hosts = new Set([new URL(config.catalogUri).hostname, new URL(tokenUrl(config)).hostname]);
    if (config.storage?.endpoint) hosts.add(new URL(config.storage.endpoint).hostname);
    // A named storage credential without an endpoint reads from AWS S3 in the storage region.
    else if (config.storage?.credentialId) for (const h of storageHosts(config.storage)) hosts.add(h);
    for (const h of config.storageHosts ?? []) hosts.add(h);
    return [...hosts].map((h) => h.replace(/^\[|\]$/g, ""));
  },
  // Only the storage endpoint's hosts get the named S3 credential (vended endpoints get vended keys).
  storageCredential(config) {
    const s = config.storage;
    return s?.credentialId ? { credentialId: s.credentialId, hosts: storageHosts(s), path: "config.storage.credentialId" } : null;
  },
  async open(config, credential, ctx) {
    return openSession(config, credential, ctx);
  },
};
