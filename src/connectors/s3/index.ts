import type { ConnectorDefinition } from "../types";
import { unsupported } from "../errors";
import { s3Config, s3Credentials, type S3Config } from "./config";

// Operations arrive with the engine's own issue; until then every call is capability_not_supported.
export const s3Connector: ConnectorDefinition<S3Config> = {
  type: "s3",
  displayName: "S3-compatible object storage",
  capabilities: [],
  config: s3Config,
  credentials: s3Credentials,
  hosts: () => [],
  async open() {
    throw unsupported("s3", "connection tests");
  },
};
