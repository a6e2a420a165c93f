import { describe, expect, it } from "vitest";
import { identityFields, partitionValue } from "../../src/connectors/iceberg/partition-values";
import type { TableMetadata } from "../../src/connectors/iceberg/rest";

// Identity-partition values as the manifest's Avro gives them, in the API's representation of the
// column's Iceberg type (the same as a Parquet column of that type gives; see test/s3 for those).

describe("iceberg: identity partition values", () => {
  it("are given in the API's value representation per Iceberg type", () => {
    expect(partitionValue("string", "eu")).toBe("eu");
    expect(partitionValue("int", 7)).toBe(7);
    expect(partitionValue("long", 9007199254740993n)).toBe("9007199254740993");
    expect(partitionValue("boolean", true)).toBe(true);
    expect(partitionValue("double", 1.5)).toBe(1.5);
    expect(partitionValue("date", 20423)).toBe("2025-12-01");
    expect(partitionValue("timestamptz", 1764547200123456n)).toBe("2025-12-01T00:00:00.123456Z");
    expect(partitionValue("timestamp", 1764547200000000n)).toBe("2025-12-01T00:00:00");
    expect(partitionValue("time", 3_723_000_000n)).toBe("01:02:03");
    expect(partitionValue("decimal(10,2)", new Uint8Array([0xff, 0x85]))).toBe("-1.23");
    expect(partitionValue("uuid", new Uint8Array(16).fill(0xab))).toBe("abababab-abab-abab-abab-abababababab");
    expect(partitionValue("string", null)).toBeNull();
    // not read here: the caller says so in warnings
    expect(partitionValue({ type: "struct", fields: [] }, {})).toBeUndefined();
  });

  it("are found through the data file's own partition spec, identity transforms only", () => {
    const m: TableMetadata = {
      "format-version": 2,
      "default-spec-id": 1,
      "partition-specs": [
        { "spec-id": 0, fields: [{ "source-id": 5, "field-id": 1000, name: "region", transform: "identity" }] },
        { "spec-id": 1, fields: [{ "source-id": 1, "field-id": 1001, name: "id_bucket", transform: "bucket[16]" }] },
      ],
    };
    expect([...identityFields(m, 0)]).toEqual([[5, "region"]]);
    expect([...identityFields(m, 1)]).toEqual([]);
    expect([...identityFields({ "format-version": 1, partition_spec: [{ "source-id": 2, name: "day", transform: "identity" }] }, 0)]).toEqual([[2, "day"]]);
  });
});
