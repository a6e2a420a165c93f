import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { previewParquet } from "../../src/formats/parquet-rows";
import { rejection } from "./helpers";

// previewParquet on in-memory files: budgets and values at the edges, with the reads counted.

function reader(buffer: ArrayBuffer) {
  const reads: Array<[number, number]> = [];
  return { reads, fetchRange: async (a: number, b: number) => (reads.push([a, b]), new Uint8Array(buffer.slice(a, b))) };
}

describe("previewParquet", () => {
  it("columns whose first pages together exceed the budget: a 422 that says so (not a page-size error)", async () => {
    const n = 20_000;
    const columnData = Array.from({ length: 8 }, (_, c) => ({ name: `c${c}`, data: Float64Array.from({ length: n }, (_, i) => i * (c + 1)), type: "DOUBLE" }));
    const buffer = parquetWriteBuffer({ codec: "UNCOMPRESSED", rowGroupSize: n, columnData: columnData as never });
    const metadata = parquetMetadata(buffer);
    const r = reader(buffer);
    const err = await rejection(previewParquet({ metadata, size: buffer.byteLength, fetchRange: r.fetchRange, limit: 10, byteBudget: 600_000 }));
    expect(err.code).toBe("invalid_request");
    expect(err.message).toMatch(/first pages of the 8 columns together are more than a preview's 0\.6 MB budget; preview fewer columns with columns=/);
    // the same file with two columns fits
    const two = await previewParquet({ metadata, size: buffer.byteLength, fetchRange: reader(buffer).fetchRange, limit: 3, byteBudget: 600_000, columns: ["c1", "c0"] });
    expect(two.rows).toEqual([
      [0, 0],
      [2, 1],
      [4, 2],
    ]);
    expect(two.bytesRead).toBeLessThanOrEqual(600_000);
  });

  it("a timestamp beyond what ISO text can say marks its column, the others are read", async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "id", data: [1, 2] },
        { name: "at", data: [0n, 9_000_000_000_000_000_000n] },
      ] as never,
      schema: [
        { name: "root", num_children: 2 },
        { name: "id", type: "INT32", repetition_type: "REQUIRED" },
        { name: "at", type: "INT64", repetition_type: "REQUIRED", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" } },
      ] as never,
    });
    const p = await previewParquet({ metadata: parquetMetadata(buffer), size: buffer.byteLength, fetchRange: reader(buffer).fetchRange, limit: 10, byteBudget: 1 << 20 });
    expect(p.rows).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(p.columns[1]!.unsupported).toMatch(/a value cannot be converted/);
  });

  describe("bytes the caller already holds", () => {
    const n = 5_000;
    const columnData = Array.from({ length: 4 }, (_, c) => ({ name: `c${c}`, data: Int32Array.from({ length: n }, (_, i) => i * (c + 1)), type: "INT32" }));
    const buffer = parquetWriteBuffer({ codec: "UNCOMPRESSED", rowGroupSize: 1_000, columnData: columnData as never });
    const metadata = parquetMetadata(buffer);
    const size = buffer.byteLength;
    const args = { metadata, size, limit: 1_500, byteBudget: 1 << 20 };
    const expected = Array.from({ length: 1_500 }, (_, i) => [i, i * 2, i * 3, i * 4]);

    it("a held copy of the whole file: the rows without a single fetch", async () => {
      const r = reader(buffer);
      const p = await previewParquet({ ...args, fetchRange: r.fetchRange, held: { start: 0, bytes: new Uint8Array(buffer) } });
      expect(p.rows).toEqual(expected);
      expect(r.reads).toEqual([]);
      expect(p.bytesRead).toBe(0);
    });

    it("a held tail that does not cover the rows: they are fetched, the same rows", async () => {
      const r = reader(buffer);
      const tailStart = size - 4096;
      const p = await previewParquet({ ...args, fetchRange: r.fetchRange, held: { start: tailStart, bytes: new Uint8Array(buffer.slice(tailStart)) } });
      expect(p.rows).toEqual(expected);
      expect(r.reads.length).toBeGreaterThan(0);
      expect(r.reads.every(([, b]) => b <= tailStart)).toBe(true);
    });

    it("columns= fetches only the selected column's chunk (rows within one row group)", async () => {
      const r = reader(buffer);
      const p = await previewParquet({ ...args, limit: 500, fetchRange: r.fetchRange, columns: ["c2"] });
      expect(p.rows).toEqual(expected.slice(0, 500).map((row) => [row[2]]));
      const m = metadata.row_groups[0]!.columns[2]!.meta_data!;
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      expect(r.reads).toEqual([[start, start + Number(m.total_compressed_size)]]);
    });
  });
});
