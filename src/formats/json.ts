import { ConnectorError } from "../connectors/errors";
import { TypeAccumulator } from "./infer-types";
import { exactJsonValue } from "./values";

// NDJSON (one JSON value per line) and JSON arrays of records, read from a prefix of the file: only
// complete lines / complete array elements are returned, so a sample cut anywhere is still usable.
// Numbers are read from their text (exactJsonValue): integers beyond 2^53 stay exact.

export type JsonRecords = { records: unknown[]; consumed: number; complete: boolean };

export function parseNdjson(text: string, final: boolean, maxRecords = Infinity): JsonRecords {
  const records: unknown[] = [];
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length && records.length < maxRecords) {
    const nl = text.indexOf("\n", pos);
    if (nl === -1 && !final) break;
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(pos, end).trim();
    lineNo++;
    pos = nl === -1 ? text.length : nl + 1;
    if (!line) continue;
    try {
      records.push(exactJsonValue(line));
    } catch {
      throw new ConnectorError("invalid_request", `Line ${lineNo} of the NDJSON file is not valid JSON`);
    }
  }
  return { records, consumed: pos, complete: final && pos >= text.length };
}

// Elements of a top-level JSON array, from the start of the text. Scans strings and nesting to find
// element boundaries, then parses each element on its own.
export function parseJsonArrayPrefix(text: string, final: boolean, maxRecords = Infinity): JsonRecords {
  const records: unknown[] = [];
  let i = text.indexOf("[");
  if (i === -1) throw new ConnectorError("invalid_request", "The JSON file does not start with an array");
  i++;
  let depth = 0;
  let inString = false;
  let start = -1;
  let consumed = i;
  for (; i < text.length && records.length < maxRecords; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      if (start === -1) start = i;
      continue;
    }
    if (c === " " || c === "\n" || c === "\r" || c === "\t") continue;
    if (depth === 0 && (c === "," || c === "]")) {
      if (start !== -1) {
        const raw = text.slice(start, i);
        try {
          records.push(exactJsonValue(raw));
        } catch {
          throw new ConnectorError("invalid_request", `Element ${records.length + 1} of the JSON array is not valid JSON`);
        }
        start = -1;
      }
      consumed = i + 1;
      if (c === "]") return { records, consumed, complete: true };
      continue;
    }
    if (start === -1) start = i;
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  if (final && records.length < maxRecords) {
    throw new ConnectorError("invalid_request", "The JSON array is not closed: the file is truncated or not valid JSON");
  }
  return { records, consumed, complete: false };
}

// A JSON document whose top level is one object: one record.
export function parseJsonObject(text: string): unknown {
  try {
    return exactJsonValue(text);
  } catch {
    throw new ConnectorError("invalid_request", "The JSON file is not valid JSON");
  }
}

// Records of a JSON sample: NDJSON lines, array elements or one document. Non-object values become
// a single "value" column.
export function jsonRecords(text: string, kind: "ndjson" | "json", final: boolean, max = Infinity): JsonRecords {
  if (kind === "ndjson") return parseNdjson(text, final, max);
  if (text.trimStart().startsWith("[")) return parseJsonArrayPrefix(text, final, max);
  if (!final) throw new ConnectorError("invalid_request", "The JSON document is larger than the sample that can be read; use NDJSON or a JSON array of records");
  return { records: [parseJsonObject(text)], consumed: text.length, complete: true };
}

export const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };

export function inferJson(text: string, kind: "ndjson" | "json", final: boolean) {
  const { records } = jsonRecords(text, kind, final);
  if (records.length === 0) {
    throw new ConnectorError("invalid_request", final ? "The JSON file has no records" : "The first JSON record is larger than the sample that was read");
  }
  const acc = new TypeAccumulator();
  for (const r of records) acc.addObject(asRecord(r));
  return { columns: acc.toColumns((t) => JSON_NATIVE[t] ?? t), sampledRows: records.length };
}

const JSON_NATIVE: Record<string, string> = {
  integer: "number",
  float: "number",
  decimal: "number",
  boolean: "boolean",
  string: "string",
  date: "string (date)",
  timestamp: "string (timestamp)",
  timestamp_tz: "string (timestamp with time zone)",
  array: "array",
  struct: "object",
  json: "mixed",
};
