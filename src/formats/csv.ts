import { ConnectorError } from "../connectors/errors";
import { TypeAccumulator, textType } from "./infer-types";

// Delimited text (CSV, TSV, ...): RFC 4180 quoting ("" inside quotes, delimiters and newlines inside
// quoted fields), LF or CRLF line ends, a UTF-8 BOM, and a sniffed delimiter.

export const DELIMITERS = [",", ";", "\t", "|"] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export type ParsedRecords = {
  records: string[][];
  consumed: number; // characters of text that the returned records cover
  quoted: boolean; // whether any field was quoted
};

// Parses records from text. When `final` is false the text is a prefix of the file: the last record
// may be cut, so it is left out (consumed stops before it).
export function parseRecords(text: string, delimiter: string, final: boolean, maxRecords = Infinity): ParsedRecords {
  const records: string[][] = [];
  let quoted = false;
  let i = 0;
  let consumed = 0;
  const n = text.length;
  while (i < n && records.length < maxRecords) {
    const record: string[] = [];
    let field = "";
    let complete = false;
    for (;;) {
      if (i >= n) break;
      const ch = text[i]!;
      if (ch === '"' && field === "") {
        // quoted field
        quoted = true;
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            if (i + 1 >= n && !final) break; // cannot tell yet
            i++;
            closed = true;
            break;
          }
          field += c;
          i++;
        }
        if (!closed) break; // cut inside quotes
        // anything between the closing quote and the delimiter is kept as text (lenient)
        while (i < n && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") field += text[i++];
        continue;
      }
      if (ch === delimiter) {
        record.push(field);
        field = "";
        i++;
        continue;
      }
      if (ch === "\n" || ch === "\r") {
        if (ch === "\r") {
          if (i + 1 >= n && !final) break; // maybe CRLF cut in half
          i += text[i + 1] === "\n" ? 2 : 1;
        } else i++;
        record.push(field);
        complete = true;
        break;
      }
      field += ch;
      i++;
    }
    if (!complete) {
      if (!final) break;
      if (i >= n) {
        record.push(field);
        if (!(record.length === 1 && record[0] === "")) records.push(record);
        consumed = n;
      }
      break;
    }
    consumed = i;
    if (record.length === 1 && record[0] === "") continue; // blank line
    records.push(record);
  }
  return { records, consumed, quoted };
}

// Picks the delimiter that splits the sampled lines into the same number (> 1) of fields most often.
export function sniffDelimiter(sample: string, hint?: Delimiter): Delimiter {
  const head = sample.slice(0, 32 * 1024);
  let best: { d: Delimiter; score: number } = { d: hint ?? ",", score: -1 };
  for (const d of DELIMITERS) {
    const { records } = parseRecords(head, d, false, 50);
    if (records.length === 0) continue;
    const widths = records.map((r) => r.length);
    const first = widths[0]!;
    if (first < 2) continue;
    const consistent = widths.filter((w) => w === first).length / widths.length;
    const score = consistent * 100 + Math.min(first, 50) + (d === hint ? 0.5 : 0);
    if (score > best.score) best = { d, score };
  }
  return best.d;
}

// A first row is a header when all its cells are non-empty, unique and untyped text, and some column
// holds typed values (numbers, booleans, dates) below it, or every cell differs in kind from the rows below.
export function detectHeader(records: string[][]): boolean {
  const first = records[0];
  if (!first) return false;
  const cells = first.map((c) => c.trim());
  if (cells.some((c) => c === "")) return false;
  if (new Set(cells).size !== cells.length) return false;
  if (cells.some((c) => textType(c) !== "string")) return false;
  const rest = records.slice(1, 51);
  if (rest.length === 0) return true;
  const typedBelow = cells.some((_, i) => rest.some((r) => r[i] !== undefined && textType(r[i]!) !== "string" && textType(r[i]!) !== null));
  if (typedBelow) return true;
  // all-text file: a header when its cells never repeat below it
  return cells.every((c, i) => rest.every((r) => (r[i] ?? "").trim() !== c));
}

// Header names: blanks and duplicates get positional names.
export function headerNames(first: string[] | undefined, width: number, header: boolean): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < width; i++) {
    let name = header ? (first?.[i] ?? "").trim() : "";
    if (!name) name = `column_${i + 1}`;
    let unique = name;
    for (let k = 2; seen.has(unique); k++) unique = `${name}_${k}`;
    seen.add(unique);
    names.push(unique);
  }
  return names;
}

export function stripBom(text: string): { text: string; bom: boolean } {
  return text.charCodeAt(0) === 0xfeff ? { text: text.slice(1), bom: true } : { text, bom: false };
}

// Schema of delimited text from a sample (a prefix of the file unless `final`).
export function inferDelimited(text: string, final: boolean, tsvHint: boolean) {
  const delimiter = sniffDelimiter(text, tsvHint ? "\t" : undefined);
  const parsed = parseRecords(text, delimiter, final);
  if (parsed.records.length === 0) {
    throw new ConnectorError(
      "invalid_request",
      final ? "The file has no rows" : "The first record of the file is larger than the sample that was read",
    );
  }
  const header = detectHeader(parsed.records);
  const width = Math.max(...parsed.records.slice(0, 1000).map((r) => r.length));
  const names = headerNames(parsed.records[0], width, header);
  const acc = new TypeAccumulator(names);
  const data = header ? parsed.records.slice(1) : parsed.records;
  for (const r of data) acc.addText(r);
  return { delimiter, header, quoted: parsed.quoted, names, columns: acc.toColumns(), sampledRows: data.length };
}
