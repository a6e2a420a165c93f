import type { FileMetaData } from "hyparquet";
import { ConnectorError } from "../errors";
import type { FileSchema } from "../types";
import { inferDelimited } from "../../formats/csv";
import { endsWithPar1, looksLikeText, nameHints, startsWithPar1, textFormat } from "../../formats/detect";
import { isGzip } from "../../formats/gzip";
import { inferJson } from "../../formats/json";
import { describeParquet, footerLength, parseFooter } from "../../formats/parquet";
import type { RangeResult, S3Client } from "./client";
import { keyFor } from "./keys";
import { ObjectReader, readText, SAMPLE_BYTES, type TextRead } from "./read";

// inferFileSchema: the format is read from the content (PAR1, gzip 1f 8b, JSON "[" / "{", text), the
// name only decides which end of the object to read first: a ".parquet" name starts with ONE suffix
// range GET of 64 KB (the footer, no HEAD); anything else with ONE GET of its first 64 KB.

const MAX_SAMPLE_CHARS = 1024 * 1024; // decompressed text looked at for a gzip sample

export type OpenedObject =
  // held: the bytes the footer read brought (the whole object when it is small), for the preview
  | { kind: "parquet"; metadata: FileMetaData; size: number; footerBytes: number; held: RangeResult }
  | { kind: "text"; head: RangeResult; gzip: boolean };

const emptyError = (path: string) => new ConnectorError("invalid_request", `The object "${path}" is empty (0 bytes): there is no schema to infer`);

// Reads the Parquet footer given the file's tail. One more ranged GET only when the footer is longer
// than the tail.
async function parquetFromTail(reader: ObjectReader, tail: RangeResult) {
  const size = tail.size;
  const len = footerLength(tail.bytes, size);
  const needed = len + 8;
  let footer = tail.bytes.subarray(Math.max(0, tail.bytes.byteLength - needed));
  if (needed > tail.bytes.byteLength) {
    const missing = await reader.bytes(size - needed, tail.start);
    const all = new Uint8Array(needed);
    all.set(missing);
    all.set(tail.bytes, missing.byteLength);
    footer = all;
  }
  return { metadata: parseFooter(footer), footerBytes: len };
}

// The first read of an object, and what it turned out to be.
export async function openObject(reader: ObjectReader, path: string): Promise<OpenedObject> {
  const hints = nameHints(reader.key);
  if (hints.parquet) {
    const tail = await reader.range({ suffix: SAMPLE_BYTES });
    if (!tail || tail.size === 0) throw emptyError(path);
    if (!endsWithPar1(tail.bytes)) {
      const whole = tail.start === 0;
      if (whole && startsWithPar1(tail.bytes)) {
        throw new ConnectorError("invalid_request", `"${path}" is a truncated Parquet file: it starts with PAR1 but its footer is missing`);
      }
      if (whole && looksLikeText(tail.bytes)) {
        throw new ConnectorError("invalid_request", `"${path}" has a Parquet name but is not a Parquet file: it contains text`);
      }
      throw new ConnectorError(
        "invalid_request",
        `"${path}" is not a readable Parquet file: it does not end with the PAR1 magic bytes (truncated or another format)`,
      );
    }
    const { metadata, footerBytes } = await parquetFromTail(reader, tail);
    return { kind: "parquet", metadata, size: tail.size, footerBytes, held: tail };
  }
  const head = await reader.range({ start: 0, end: SAMPLE_BYTES - 1 });
  if (!head || head.size === 0) throw emptyError(path);
  if (startsWithPar1(head.bytes)) {
    const tail = head.size <= head.bytes.byteLength ? head : await reader.range({ suffix: SAMPLE_BYTES });
    if (!tail) throw emptyError(path);
    if (!endsWithPar1(tail.bytes)) {
      throw new ConnectorError("invalid_request", `"${path}" is a truncated Parquet file: it starts with PAR1 but its footer is missing`);
    }
    const { metadata, footerBytes } = await parquetFromTail(reader, tail);
    return { kind: "parquet", metadata, size: tail.size, footerBytes, held: tail };
  }
  const gzip = isGzip(head.bytes);
  if (!gzip && !looksLikeText(head.bytes)) {
    throw new ConnectorError("invalid_request", `"${path}" is a binary file in an unsupported format (supported: Parquet, CSV/TSV, NDJSON, JSON, gzip-compressed text)`);
  }
  return { kind: "text", head, gzip };
}

// Reads text from an opened text object, checking what the decompressed bytes are.
export async function sampleText(
  reader: ObjectReader,
  opened: { head: RangeResult; gzip: boolean },
  path: string,
  opts: { budget: number; maxChars: number; enough?: (text: string) => boolean },
): Promise<TextRead> {
  const source = reader.chunks(opened.head, opts.budget);
  if (opened.gzip) {
    // look at the first decompressed bytes before treating them as text
    const read = await readText(source, { gzip: true, maxChars: opts.maxChars, enough: opts.enough });
    if (read.text.startsWith("PAR1")) throw new ConnectorError("invalid_request", `"${path}" is gzip-compressed Parquet, which is not supported`);
    if (read.text.length === 0 && read.final) throw new ConnectorError("invalid_request", `"${path}" decompresses to nothing: there is no data`);
    if (/[\u0000]/.test(read.text.slice(0, 4096))) {
      throw new ConnectorError("invalid_request", `"${path}" is gzip-compressed binary data in an unsupported format`);
    }
    return read;
  }
  return readText(source, { gzip: false, maxChars: opts.maxChars, enough: opts.enough });
}

export async function inferFileSchema(client: S3Client, args: { path: string }): Promise<FileSchema> {
  const path = args.path;
  const key = keyFor(client.config, path);
  const reader = new ObjectReader(client, key);
  const opened = await openObject(reader, path);
  if (opened.kind === "parquet") {
    const d = describeParquet(opened.metadata, opened.footerBytes);
    return {
      path,
      format: "parquet",
      columns: d.columns,
      rowCount: d.rowCount,
      rowGroups: d.rowGroups,
      codecs: d.codecs,
      createdBy: d.createdBy,
      footerBytes: d.footerBytes,
      sizeBytes: opened.size,
      sampledBytes: reader.bytesRead,
      requests: reader.requests,
      inferredFromSample: false,
    };
  }
  // Text: exactly the first GET's bytes (at most 64 KB of the object).
  const read = await sampleText(reader, opened, path, { budget: opened.head.bytes.byteLength, maxChars: MAX_SAMPLE_CHARS });
  const hints = nameHints(key);
  const common = {
    path,
    ...(opened.gzip ? { compression: "gzip" } : {}),
    sizeBytes: opened.head.size,
    sampledBytes: reader.bytesRead,
    ...(opened.gzip ? { sampledDecompressedChars: read.text.length } : {}),
    requests: reader.requests,
    inferredFromSample: true,
    complete: read.final,
  };
  if (read.text.trim() === "") throw new ConnectorError("invalid_request", `"${path}" contains only whitespace: there is no data`);
  const kind = textFormat(read.text, key);
  if (kind === "delimited") {
    const d = inferDelimited(read.text, read.final, hints.tsv);
    return {
      ...common,
      format: d.delimiter === "\t" ? "tsv" : "csv",
      columns: d.columns,
      delimiter: d.delimiter,
      header: d.header,
      quote: '"',
      quotedFields: d.quoted,
      bom: read.bom,
      encoding: read.encoding,
      sampledRows: d.sampledRows,
    };
  }
  const j = inferJson(read.text, kind, read.final);
  return {
    ...common,
    format: kind === "json" && read.text.trimStart().startsWith("[") ? "json" : kind,
    columns: j.columns,
    encoding: read.encoding,
    sampledRows: j.sampledRows,
  };
}
