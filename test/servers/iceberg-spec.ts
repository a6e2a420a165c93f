import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";

// Checks the Iceberg contract server's own answers against the saved Apache Iceberg REST catalog
// OpenAPI document (test/servers/specs/iceberg-rest-catalog-open-api.yaml, OpenAPI 3.1) with Ajv:
// every JSON body the server sends is validated against the components.schemas entry the spec
// names for that route and status. Quirk personalities that deliberately break the spec (Glue's
// 200-with-error) are recorded as such, never validated as conforming.

export const SPEC_PATH = join(dirname(fileURLToPath(import.meta.url)), "specs", "iceberg-rest-catalog-open-api.yaml");

export type SchemaName =
  | "CatalogConfig"
  | "ListNamespacesResponse"
  | "ListTablesResponse"
  | "LoadTableResult"
  | "LoadViewResult"
  | "IcebergErrorResponse"
  | "OAuthTokenResponse"
  | "OAuthError";

export class IcebergSpec {
  private readonly ajv: InstanceType<typeof Ajv2020>;
  checked = 0;
  readonly violations: string[] = [];

  constructor() {
    const doc = parse(readFileSync(SPEC_PATH, "utf8")) as Record<string, unknown>;
    // The OpenAPI document as one JSON Schema resource; components are reached by JSON pointer.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, discriminator: false });
    this.ajv.addSchema({ $id: "iceberg-spec", components: doc.components }, "iceberg-spec");
  }

  check(name: SchemaName, value: unknown, label: string): void {
    const validate = this.ajv.getSchema(`iceberg-spec#/components/schemas/${name}`);
    if (!validate) {
      this.violations.push(`${label}: schema ${name} missing from the spec`);
      return;
    }
    this.checked++;
    if (!validate(value)) {
      for (const e of validate.errors ?? []) this.violations.push(`${label} (${name}): ${e.instancePath || "$"} ${e.message}`);
    }
  }
}
