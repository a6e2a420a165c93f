import { describe, expect, it } from "vitest";
import { columnDecoders, decodeRows, type RowTypeEntry } from "../../src/connectors/snowflake/decode";
import { scope } from "./helpers";

// Decoding of jsonv2 strings by rowType, for every type: unit cases (both documented timestamp
// encodings, uppercase spec spellings) and end to end through the contract server.

const col = (type: string, extra: Partial<RowTypeEntry> = {}): RowTypeEntry => ({ name: type.toUpperCase(), type, nullable: true, ...extra });
const decode1 = (c: RowTypeEntry, v: string | null) => decodeRows(columnDecoders([c]), [[v]])[0]![0];

describe("snowflake value decoding", () => {
  it("decodes numbers: fixed by precision and scale, real, decfloat", () => {
    expect(decode1(col("fixed", { precision: 38, scale: 0 }), "12345678901234567890")).toBe("12345678901234567890");
    expect(decode1(col("fixed", { precision: 38, scale: 0 }), "1.0")).toBe("1");
    expect(decode1(col("fixed", { precision: 9, scale: 0 }), "42")).toBe(42);
    expect(decode1(col("fixed", { precision: 10, scale: 2 }), "-12.34")).toBe("-12.34");
    expect(decode1(col("FIXED", { precision: 10, scale: 2 }), "0.50")).toBe("0.50");
    expect(decode1(col("real"), "1.5")).toBe(1.5);
    expect(decode1(col("real"), "1.0E+20")).toBe(1e20);
    expect(decode1(col("real"), "NaN")).toBe("NaN");
    expect(decode1(col("real"), "inf")).toBe("inf");
    expect(decode1(col("decfloat"), "1.2345E+400")).toBe("1.2345E+400");
    expect(columnDecoders([col("fixed", { precision: 10, scale: 2 })])[0]).toMatchObject({ type: "decimal", nativeType: "NUMBER(10,2)" });
  });

  it("decodes text, boolean, binary (hex to base64) and semi-structured JSON", () => {
    expect(decode1(col("text", { length: 20 }), "héllo")).toBe("héllo");
    expect(decode1(col("boolean"), "true")).toBe(true);
    expect(decode1(col("BOOLEAN"), "false")).toBe(false);
    expect(decode1(col("binary"), "00FF10")).toBe("AP8Q");
    expect(decode1(col("variant"), '{\n  "a": [1, 2]\n}')).toEqual({ a: [1, 2] });
    expect(decode1(col("variant"), '"s"')).toBe("s");
    expect(decode1(col("object"), "{}")).toEqual({});
    expect(decode1(col("array"), '[1, "two"]')).toEqual([1, "two"]);
    expect(decode1(col("text"), null)).toBeNull();
    expect(columnDecoders([col("object"), col("array"), col("variant"), col("binary")]).map((d) => d.type)).toEqual(["map", "array", "json", "binary"]);
  });

  it("decodes DATE from days since the epoch", () => {
    expect(decode1(col("date"), "17982")).toBe("2019-03-27");
    expect(decode1(col("date"), "0")).toBe("1970-01-01");
    expect(decode1(col("date"), "-1")).toBe("1969-12-31");
    expect(decode1(col("date"), "19782")).toBe("2024-02-29");
  });

  it("decodes TIME and TIMESTAMP_NTZ/LTZ/TZ from seconds.nanoseconds or integer nanoseconds", () => {
    expect(decode1(col("time", { scale: 9 }), "82919.000000000")).toBe("23:01:59.000000000");
    expect(decode1(col("time", { scale: 3 }), "49530.123456789")).toBe("13:45:30.123");
    expect(decode1(col("time", { scale: 0 }), "49530.123456789")).toBe("13:45:30");
    expect(decode1(col("timestamp_ntz", { scale: 9 }), "1616173619.000000000")).toBe("2021-03-19T17:06:59.000000000");
    expect(decode1(col("TIMESTAMP_NTZ", { scale: 9 }), "1611871777123456789")).toBe("2021-01-28T22:09:37.123456789");
    expect(decode1(col("timestamp_ntz", { scale: 1 }), "-0.500000000")).toBe("1969-12-31T23:59:59.5");
    expect(decode1(col("timestamp_ltz", { scale: 3 }), "1616173619.250000000")).toBe("2021-03-19T17:06:59.250Z");
    // TIMESTAMP_TZ: "<seconds> <offset minutes + 1440>"; 1500 => +01:00
    expect(decode1(col("timestamp_tz", { scale: 0 }), "1616173619.000000000 1500")).toBe("2021-03-19T18:06:59+01:00");
    expect(decode1(col("timestamp_tz", { scale: 0 }), "0.000000000 960")).toBe("1969-12-31T16:00:00-08:00");
    expect(columnDecoders([col("timestamp_ntz"), col("timestamp_ltz"), col("timestamp_tz"), col("time"), col("date")]).map((d) => d.type)).toEqual([
      "timestamp",
      "timestamp_tz",
      "timestamp_tz",
      "time",
      "date",
    ]);
  });

  it("decodes every type end to end from the contract server", async () => {
    const s = scope("decode");
    const session = await s.open();
    const r = await session.preview!({ schema: "TYPES", table: "ALL_TYPES", limit: 10 });
    const by = (row: number) => Object.fromEntries(r.columns.map((c, i) => [c.name, r.rows[row]![i]]));
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ["N_INT", "integer"],
      ["N_SMALL", "integer"],
      ["N_DEC", "decimal"],
      ["N_BIG", "integer"],
      ["F", "float"],
      ["S", "string"],
      ["B", "boolean"],
      ["D", "date"],
      ["T", "time"],
      ["TS_NTZ", "timestamp"],
      ["TS_LTZ", "timestamp_tz"],
      ["TS_TZ", "timestamp_tz"],
      ["V", "json"],
      ["O", "map"],
      ["A", "array"],
      ["BIN", "binary"],
    ]);
    expect(by(0)).toEqual({
      N_INT: "42",
      N_SMALL: 7,
      N_DEC: "-12.34",
      N_BIG: "12345678901234567890123456789",
      F: 1.5,
      S: 'héllo "q"',
      B: true,
      D: "2024-02-29",
      T: "13:45:30.123456000",
      TS_NTZ: "2024-02-29T13:45:30.123456000",
      TS_LTZ: "2024-02-29T13:45:30.500000000Z",
      TS_TZ: "2024-02-29T13:45:30.250000000+05:30",
      V: { k: [1, 2, { x: null }] },
      O: { a: 1 },
      A: [1, "two", true],
      BIN: "AP8Q",
    });
    expect(r.rows[1]!.every((v) => v === null)).toBe(true);
    expect(by(2)).toMatchObject({
      N_DEC: "0.50",
      B: false,
      D: "1969-12-31",
      TS_NTZ: "1969-12-31T23:59:59.500000000",
      TS_TZ: "1970-01-01T00:00:00.000000000-08:00",
      V: "just a string",
      BIN: "",
    });
  });
});
