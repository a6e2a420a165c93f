// Format detection from content first, the name only as a tie-breaker: Parquet by its PAR1 magic,
// gzip by 1f 8b, JSON by its first character, everything else that is text (encoding.ts) is
// delimited text. Binary that is none of these is reported as such.
import { detectEncoding } from "./encoding";

export type FileFormat = "parquet" | "csv" | "tsv" | "ndjson" | "json";

const PAR1 = [0x50, 0x41, 0x52, 0x31];

export const startsWithPar1 = (b: Uint8Array) => b.length >= 4 && PAR1.every((x, i) => b[i] === x);
export const endsWithPar1 = (b: Uint8Array) => b.length >= 4 && PAR1.every((x, i) => b[b.length - 4 + i] === x);

export function nameHints(key: string) {
  const name = key.toLowerCase().split("/").pop() ?? "";
  const gzip = /\.(gz|gzip)$/.test(name);
  const base = gzip ? name.replace(/\.(gz|gzip)$/, "") : name;
  const ext = /\.([a-z0-9]+)$/.exec(base)?.[1] ?? "";
  return {
    gzip,
    parquet: ["parquet", "parq", "pq"].includes(ext),
    tsv: ext === "tsv" || ext === "tab",
    ndjson: ["ndjson", "jsonl", "ldjson"].includes(ext),
    json: ext === "json",
    ext,
  };
}

// Is this prefix of a file text? A UTF-16 BOM says so; otherwise NUL bytes, or control characters
// other than tab, CR, LF and FF in more than 1% of the bytes, make it binary. Bytes that are not valid
// UTF-8 are still text (read as Windows-1252, see encoding.ts).
export function looksLikeText(bytes: Uint8Array): boolean {
  if (detectEncoding(bytes).encoding.startsWith("utf-16")) return true;
  const sample = bytes.subarray(0, 16 * 1024);
  if (sample.includes(0)) return false;
  let control = 0;
  for (const b of sample) if (b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  return control <= sample.length / 100;
}

// Text format from the first characters (BOM already removed).
export function textFormat(text: string, key: string): "delimited" | "ndjson" | "json" {
  const hints = nameHints(key);
  const trimmed = text.trimStart();
  const c = trimmed[0];
  if (c === "[") return "json";
  if (c === "{") {
    if (hints.ndjson) return "ndjson";
    // one complete object on the first line: NDJSON; otherwise a (pretty-printed) JSON document
    const firstLine = trimmed.split("\n", 1)[0]!.trim();
    try {
      JSON.parse(firstLine);
      return "ndjson";
    } catch {
      return "json";
    }
  }
  return "delimited";
}
