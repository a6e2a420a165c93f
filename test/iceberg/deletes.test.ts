import { describe, expect, it } from "vitest";
import { dataSequence, MAX_DELETE_FILES, MAX_DELETE_ROWS, readDeletes, type DeleteFile } from "../../src/connectors/iceberg/deletes";
import type { IcebergSchema } from "../../src/connectors/iceberg/rest";

// The bounds of applying deletes, which refuse before reading anything (so no storage is needed
// here); applying them to real files is in preview.test.ts (sales.refunds).

const schema: IcebergSchema = { type: "struct", fields: [{ id: 1, name: "id", required: true, type: "long" }] };
const file = (over: Partial<DeleteFile> = {}): DeleteFile => ({ path: "s3://b/t/data/d.parquet", format: "PARQUET", records: 1, size: 100, sequence: 1, content: 1, ...over });
const noStorage = null as never;

describe("iceberg: deletes", () => {
  it("the data sequence number of an entry is its own, else (added, written as null) its manifest's", () => {
    expect(dataSequence(3n, 5n)).toBe(3);
    expect(dataSequence(null, 5n)).toBe(5);
    expect(dataSequence(undefined, 7)).toBe(7);
  });

  it("applies nothing, and says why, past the bounds or for files that are not Parquet", async () => {
    const many = await readDeletes(noStorage, Array.from({ length: MAX_DELETE_FILES + 1 }, () => file()), schema, { "format-version": 2 });
    expect(many.notApplied).toBe(`${MAX_DELETE_FILES + 1} delete files are more than a preview applies (${MAX_DELETE_FILES})`);
    expect(many.positions("s3://b/t/data/x.parquet", 0).size).toBe(0);
    const rows = await readDeletes(noStorage, [file({ records: MAX_DELETE_ROWS + 1 })], schema, { "format-version": 2 });
    expect(rows.notApplied).toMatch(/deleted rows are more than a preview applies/);
    const puffin = await readDeletes(noStorage, [file({ format: "PUFFIN" })], schema, { "format-version": 2 });
    expect(puffin.notApplied).toBe("delete files in PUFFIN are not read (Parquet only; deletion vectors are Puffin)");
    const equalityOnDropped = await readDeletes(noStorage, [file({ content: 2, equalityIds: [9] })], schema, { "format-version": 2 });
    expect(equalityOnDropped.notApplied).toBe("equality deletes on fields 9, which are not top-level columns of the current schema");
    expect((await readDeletes(noStorage, [], schema, { "format-version": 2 })).notApplied).toBeNull();
  });
});
