import { describe, expect, it } from "vitest";
import { projectColumns } from "../../src/connectors/iceberg/projection";
import type { IcebergSchema, TableMetadata } from "../../src/connectors/iceberg/rest";

// Column projection of the Iceberg spec for files without field ids (a migrated Hive table): the
// table's name mapping, else the current names. Files with field ids are covered end to end in
// preview.test.ts with DuckDB's files.

const schema: IcebergSchema = {
  type: "struct",
  fields: [
    { id: 1, name: "id", required: true, type: "long" },
    { id: 2, name: "payment_method", required: false, type: "string" },
    { id: 5, name: "region", required: false, type: "string" },
  ],
};
const metadata = (properties?: Record<string, string>): TableMetadata => ({ "format-version": 2, ...(properties ? { properties } : {}) });

describe("iceberg: column projection", () => {
  it("by field id when the file has them, whatever the names", () => {
    const p = projectColumns(schema, metadata(), [
      { name: "method", fieldId: 2 },
      { name: "id", fieldId: 1 },
      { name: "region", fieldId: 9 }, // a dropped column that had this name: not shown as region
    ]);
    expect(p).toEqual({ sources: ["id", "method", null], how: "field-id" });
  });

  it("through schema.name-mapping.default when the file has no field ids", () => {
    const mapping = JSON.stringify([
      { "field-id": 1, names: ["id"] },
      { "field-id": 2, names: ["method", "payment_method"] },
      { "field-id": 5, names: ["region", "area"] },
    ]);
    const p = projectColumns(schema, metadata({ "schema.name-mapping.default": mapping }), [{ name: "area" }, { name: "id" }, { name: "method" }]);
    expect(p).toEqual({ sources: ["id", "method", "area"], how: "name-mapping" });
  });

  it("by the current names when there are neither field ids nor a name mapping (or it is not valid JSON)", () => {
    const file = [{ name: "id" }, { name: "method" }, { name: "region" }];
    expect(projectColumns(schema, metadata(), file)).toEqual({ sources: ["id", null, "region"], how: "name" });
    expect(projectColumns(schema, metadata({ "schema.name-mapping.default": "{not json" }), file).how).toBe("name");
  });
});
