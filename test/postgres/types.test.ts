import { describe, expect, it } from "vitest";
import { MODES, withSession } from "./helpers";

// Every common type, decoded to JSON-safe values identically over both transports.
const EXPECTED_ROW_1: Record<string, unknown> = {
  id: 1,
  c_int2: -32768,
  c_int4: 2147483647,
  c_int8: "9223372036854775807",
  c_numeric: "12345678901234.56789",
  c_float4: 1.5,
  c_float8: 3.141592653589793,
  c_bool: true,
  c_text: 'hello "world"',
  c_varchar: "short",
  c_char: "ab ",
  c_date: "2024-02-29",
  c_time: "13:45:30.123456",
  c_timetz: "13:45:30+02:00",
  c_timestamp: "2024-02-29T13:45:30.5",
  c_timestamptz: "2024-02-29T11:45:30.5Z",
  c_interval: "1 year 2 mons 3 days 04:05:06",
  c_json: { a: [1, 2, { b: null }] },
  c_jsonb: { k: "v", n: 1.5 },
  c_uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
  c_bytea: "AAH/",
  c_int_array: [1, 2, null, 4],
  c_text_array: ["a", "b c", "d,e", null, "NULL", 'q"t'],
  c_int2d: [
    [1, 2],
    [3, 4],
  ],
  c_enum: "happy",
  c_enum_array: ["sad", "ok"],
  c_domain: 5,
  c_inet: "192.168.0.1/24",
  c_money: "$12.34",
  c_pair: "(1,x)",
};

const EXPECTED_ROW_2: Record<string, unknown> = {
  id: 2,
  c_numeric: "NaN",
  c_float4: "Infinity",
  c_float8: "-Infinity",
  c_bool: false,
  c_date: "infinity",
  c_json: null,
  c_jsonb: [],
  c_bytea: "",
  c_int_array: [],
  c_text_array: [],
  c_int8: null,
  c_timestamptz: null,
};

const EXPECTED_RESULT_TYPES: Record<string, [string, string]> = {
  c_int2: ["integer", "smallint"],
  c_int8: ["integer", "bigint"],
  c_numeric: ["decimal", "numeric"],
  c_float8: ["float", "double precision"],
  c_bool: ["boolean", "boolean"],
  c_varchar: ["string", "character varying"],
  c_date: ["date", "date"],
  c_timetz: ["time", "time with time zone"],
  c_timestamp: ["timestamp", "timestamp without time zone"],
  c_timestamptz: ["timestamp_tz", "timestamp with time zone"],
  c_jsonb: ["json", "jsonb"],
  c_bytea: ["binary", "bytea"],
  c_int_array: ["array", "integer[]"],
  c_enum: ["string", "types.mood"],
  c_enum_array: ["array", "types.mood[]"],
  c_domain: ["integer", "integer"], // the server reports a domain's base type in results
  c_pair: ["struct", "types.pair"],
};

const EXPECTED_COLUMN_TYPES: Record<string, [string, string]> = {
  c_int4: ["integer", "integer"],
  c_numeric: ["decimal", "numeric(20,5)"],
  c_float4: ["float", "real"],
  c_varchar: ["string", "character varying(10)"],
  c_char: ["string", "character(3)"],
  c_time: ["time", "time without time zone"],
  c_interval: ["string", "interval"],
  c_json: ["json", "json"],
  c_uuid: ["string", "uuid"],
  c_text_array: ["array", "text[]"],
  c_int2d: ["array", "integer[]"],
  c_enum: ["string", "types.mood"],
  c_domain: ["integer", "types.posint"], // listColumns maps a domain to its base type
  c_inet: ["string", "inet"],
  c_money: ["other", "money"],
  c_pair: ["struct", "types.pair"],
};

describe.each(MODES)("postgres value decoding over %s", (mode) => {
  it("decodes every type of the sample table to JSON-safe values", async () => {
    const rs = await withSession(mode, (s) =>
      s.query!({ sql: "SELECT * FROM types.all_types ORDER BY id", maxRows: 10, timeoutMs: 5000 }),
    );
    expect(rs.rowCount).toBe(2);
    const asObject = (row: unknown[]) => Object.fromEntries(rs.columns.map((c, i) => [c.name, row[i]]));
    expect(asObject(rs.rows[0]!)).toEqual(EXPECTED_ROW_1);
    expect(asObject(rs.rows[1]!)).toMatchObject(EXPECTED_ROW_2);
    const types = Object.fromEntries(rs.columns.map((c) => [c.name, [c.type, c.nativeType]]));
    expect(types).toMatchObject(EXPECTED_RESULT_TYPES);
    // The whole result survives a JSON round trip unchanged (no bigint, Date or Uint8Array inside).
    expect(JSON.parse(JSON.stringify(rs.rows))).toEqual(rs.rows);
  });

  it("maps catalog types to portable types", async () => {
    const page = await withSession(mode, (s) => s.listColumns!({ schema: "types", table: "all_types" }, { limit: 100 }));
    const types = Object.fromEntries(page.data.map((c) => [c.name, [c.type, c.nativeType]]));
    expect(types).toMatchObject(EXPECTED_COLUMN_TYPES);
    expect(page.data.find((c) => c.name === "c_jsonb")?.comment).toBe("JSON document");
    expect(page.data.find((c) => c.name === "id")?.nullable).toBe(false);
  });

  it("returns timestamps in UTC ISO-8601 whatever the session time zone would have been", async () => {
    const rs = await withSession(mode, (s) =>
      s.query!({
        sql: "SELECT timestamptz '2024-06-01 12:00:00+05:30' AS a, timestamp '2024-06-01 12:00:00' AS b, date '2024-06-01' AS c, ARRAY[timestamptz '2024-01-01 00:00:00+00'] AS d",
        maxRows: 1,
        timeoutMs: 5000,
      }),
    );
    expect(rs.rows[0]).toEqual(["2024-06-01T06:30:00Z", "2024-06-01T12:00:00", "2024-06-01", ["2024-01-01T00:00:00Z"]]);
  });
});
