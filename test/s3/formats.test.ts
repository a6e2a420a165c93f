import { decoderFor, detectEncoding } from "../../src/formats/encoding";
import { describe, expect, it } from "vitest";
import { detectHeader, parseRecords, sniffDelimiter } from "../../src/formats/csv";
import { looksLikeText, nameHints, textFormat } from "../../src/formats/detect";
import { mergeTypes, textType } from "../../src/formats/infer-types";
import { parseJsonArrayPrefix, parseNdjson } from "../../src/formats/json";
import { fromText, jsonSafe } from "../../src/formats/values";

// The format readers on their own: samples cut at awkward places must still give whole records.

describe("delimited text", () => {
  it("drops a record cut inside quotes or between CR and LF when the text is a prefix", () => {
    expect(parseRecords('a,b\n1,"x\ny', ",", false).records).toEqual([["a", "b"]]);
    expect(parseRecords('a,b\n1,"x\ny"\n', ",", false).records).toEqual([["a", "b"], ["1", "x\ny"]]);
    expect(parseRecords("a,b\r\n1,2\r", ",", false).records).toEqual([["a", "b"]]);
    expect(parseRecords("a,b\r\n1,2", ",", true).records).toEqual([["a", "b"], ["1", "2"]]);
    // a quote at the very end of a prefix may be the first half of an escaped ""
    expect(parseRecords('a\n"he said ""', ",", false).records).toEqual([["a"]]);
    expect(parseRecords('a\n"he said """\n', ",", false).records).toEqual([["a"], ['he said "']]);
  });

  it("skips blank lines and keeps empty fields", () => {
    expect(parseRecords("a,b\n\n1,\n,2\n", ",", true).records).toEqual([["a", "b"], ["1", ""], ["", "2"]]);
  });

  it("sniffs the delimiter that splits lines consistently", () => {
    expect(sniffDelimiter("a;b;c\n1;2,5;3\n4;5,5;6\n")).toBe(";");
    expect(sniffDelimiter("a\tb\n1\t2\n")).toBe("\t");
    expect(sniffDelimiter("a|b|c\n1|2|3\n")).toBe("|");
    expect(sniffDelimiter('name,comment\nx,"a; b; c"\ny,"d; e"\n')).toBe(",");
  });

  it("tells a header row from data", () => {
    expect(detectHeader([["id", "name"], ["1", "x"]])).toBe(true);
    expect(detectHeader([["1", "x"], ["2", "y"]])).toBe(false);
    expect(detectHeader([["id", ""], ["1", "x"]])).toBe(false);
    expect(detectHeader([["a", "a"], ["1", "2"]])).toBe(false);
  });
});

describe("types from samples", () => {
  it.each([
    ["42", "integer"],
    ["-7", "integer"],
    ["3.14", "decimal"],
    ["1e10", "float"],
    ["TRUE", "boolean"],
    ["2024-02-29", "date"],
    ["2024-02-29 10:11:12", "timestamp"],
    ["2024-02-29T10:11:12.123456Z", "timestamp_tz"],
    ["2024-02-29T10:11:12+02:00", "timestamp_tz"],
    ["2024-13-01", "string"],
    ["0x1F", "string"],
    ["", null],
  ])("%s -> %s", (value, type) => {
    expect(textType(value)).toBe(type);
  });

  it("merges to the widest type", () => {
    expect(mergeTypes("integer", "decimal")).toBe("decimal");
    expect(mergeTypes("decimal", "float")).toBe("float");
    expect(mergeTypes("date", "timestamp")).toBe("timestamp");
    expect(mergeTypes("integer", "boolean")).toBe("string");
    expect(mergeTypes(null, "date")).toBe("date");
  });

  it("values are JSON-safe", () => {
    expect(fromText("9007199254740993", "integer")).toBe("9007199254740993");
    expect(fromText("12", "integer")).toBe(12);
    expect(fromText("1.50", "decimal")).toBe("1.50");
    expect(fromText(" ", "integer")).toBeNull();
    expect(jsonSafe(2n ** 64n)).toBe("18446744073709551616");
    expect(jsonSafe(new Uint8Array([255, 0]))).toBe("/wA=");
    expect(jsonSafe({ a: [1n, NaN], d: new Date(0) })).toEqual({ a: ["1", "NaN"], d: "1970-01-01T00:00:00.000Z" });
  });
});

describe("JSON samples", () => {
  it("finds array elements across strings with brackets and escaped quotes, and stops at a cut", () => {
    const text = '[{"a":"x]\\"}"},{"a":[1,2]},{"a":"cut';
    const r = parseJsonArrayPrefix(text, false);
    expect(r.records).toEqual([{ a: 'x]"}' }, { a: [1, 2] }]);
    expect(r.complete).toBe(false);
    expect(parseJsonArrayPrefix("[1, 2 ,3]", true)).toMatchObject({ records: [1, 2, 3], complete: true });
    expect(() => parseJsonArrayPrefix("[1, 2", true)).toThrow(/not closed/);
  });

  it("NDJSON: a cut last line waits, an invalid line is a clear error", () => {
    expect(parseNdjson('{"a":1}\n{"a":', false).records).toEqual([{ a: 1 }]);
    expect(() => parseNdjson('{"a":1}\nnot json\n', true)).toThrow(/Line 2 of the NDJSON file is not valid JSON/);
  });

  it("detects JSON kinds and text", () => {
    expect(textFormat('{"a":1}\n{"a":2}\n', "x.txt")).toBe("ndjson");
    expect(textFormat('{\n  "a": 1\n}\n', "x.txt")).toBe("json");
    expect(textFormat("[1]", "x")).toBe("json");
    expect(textFormat("a,b\n", "x.json")).toBe("delimited");
    expect(nameHints("dir/File.CSV.GZ")).toMatchObject({ gzip: true, ext: "csv" });
    const utf8 = new TextEncoder().encode("naïve ü");
    expect(looksLikeText(utf8.subarray(0, utf8.length - 1))).toBe(true); // a character cut at the end
    expect(looksLikeText(new Uint8Array([0x41, 0x00, 0x42]))).toBe(false);
    // not UTF-8, but text in a single-byte encoding (read as Windows-1252)
    expect(looksLikeText(new Uint8Array([0x41, 0xff, 0xfe, 0x42]))).toBe(true);
    expect(detectEncoding(new Uint8Array([0x41, 0xe9, 0x42]))).toEqual({ encoding: "windows-1252", bom: 0 });
    expect(decoderFor("windows-1252").decode(new Uint8Array([0x80, 0xe9, 0x93, 0x94]), false)).toBe("€é“”");
    expect(detectEncoding(new Uint8Array([0xff, 0xfe, 0x41, 0x00]))).toEqual({ encoding: "utf-16le", bom: 2 });
    // UTF-16 split between chunks in the middle of a code unit
    const d = decoderFor("utf-16be");
    expect(d.decode(new Uint8Array([0x00, 0x41, 0x65]), true) + d.decode(new Uint8Array([0xe5]), false)).toBe("A日");
    expect(looksLikeText(new Uint8Array(Array.from({ length: 200 }, (_, i) => (i * 37) % 32)))).toBe(false); // control bytes
  });
});
