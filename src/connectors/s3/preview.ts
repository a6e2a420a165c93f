import { ConnectorError } from "../errors";
import type { ConnectorContext, ResultColumn, RowSet } from "../types";
import { headerNames, parseRecords, sniffDelimiter, detectHeader } from "../../formats/csv";
import { nameHints, textFormat } from "../../formats/detect";
import { TypeAccumulator } from "../../formats/infer-types";
import { asRecord, jsonRecords } from "../../formats/json";
import { previewParquet } from "../../formats/parquet-rows";
import { fromText, jsonSafe } from "../../formats/values";
import type { S3Client } from "./client";
import { project } from "../project";
import { keyFor } from "./keys";
import { ObjectReader } from "./read";
import { openObject, sampleText } from "./schema";

// preview: the first rows of an object, reading as little as possible and never more than a byte
// budget, so memory stays far below the Worker's 128 MB even for multi-gigabyte objects.

export const PARQUET_BUDGET = 24 * 1024 * 1024; // bytes of column chunks fetched for a Parquet preview
export const TEXT_BUDGET = 8 * 1024 * 1024; // bytes of the object read for a text preview
const TEXT_MAX_CHARS = 8 * 1024 * 1024; // decompressed text held at most (UTF-16: 16 MB)

export type PreviewStats = { requests: number; bytesRead: number };

export async function preview(
  client: S3Client,
  ctx: ConnectorContext,
  args: { table: string; limit: number; columns?: string[] },
  stats?: (s: PreviewStats) => void,
): Promise<RowSet> {
  const started = Date.now();
  const path = args.table;
  const limit = Math.max(0, Math.min(Math.floor(args.limit), ctx.limits.previewRows || args.limit));
  const key = keyFor(client.config, path);
  const reader = new ObjectReader(client, key);
  const opened = await openObject(reader, path);

  let columns: Array<ResultColumn & { unsupported?: string }>;
  let rows: unknown[][];
  let truncated: boolean;
  if (opened.kind === "parquet") {
    const p = await previewParquet({
      metadata: opened.metadata,
      size: opened.size,
      fetchRange: (start, end) => reader.bytes(start, end),
      limit,
      byteBudget: PARQUET_BUDGET,
      columns: args.columns,
      held: opened.held,
    });
    ({ columns, rows, truncated } = p);
  } else {
    const hints = nameHints(key);
    let kind: "delimited" | "ndjson" | "json" | undefined;
    let delimiter = ",";
    let header = false;
    // enough: the text holds `limit` complete records (plus the header line)
    const enough = (text: string) => {
      kind ??= textFormat(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, key);
      if (kind === "delimited") {
        delimiter = sniffDelimiter(text, hints.tsv ? "\t" : undefined);
        return parseRecords(text, delimiter, false, limit + 2).records.length >= limit + 1;
      }
      try {
        return jsonRecords(text, kind, false, limit + 1).records.length > limit;
      } catch {
        return false;
      }
    };
    const read = await sampleText(reader, opened, path, { budget: TEXT_BUDGET, maxChars: TEXT_MAX_CHARS, enough });
    kind = textFormat(read.text, key);
    if (kind === "delimited") {
      delimiter = sniffDelimiter(read.text, hints.tsv ? "\t" : undefined);
      const parsed = parseRecords(read.text, delimiter, read.final, limit + 2);
      header = detectHeader(parsed.records);
      const width = Math.max(0, ...parsed.records.slice(0, limit + 1).map((r) => r.length));
      const names = headerNames(parsed.records[0], width, header);
      const data = (header ? parsed.records.slice(1) : parsed.records).slice(0, limit + 1);
      truncated = data.length > limit || !read.final;
      const kept = data.slice(0, limit);
      const acc = new TypeAccumulator(names);
      for (const r of kept) acc.addText(r);
      const cols = acc.toColumns();
      columns = cols.map((c) => ({ name: c.name, type: c.type, nativeType: c.nativeType }));
      rows = kept.map((r) => cols.map((c, i) => fromText(r[i], c.type)));
    } else {
      const { records } = jsonRecords(read.text, kind, read.final, limit + 1);
      truncated = records.length > limit || !read.final;
      const kept = records.slice(0, limit).map(asRecord);
      const acc = new TypeAccumulator();
      for (const r of kept) acc.addObject(r);
      const cols = acc.toColumns();
      columns = cols.map((c) => ({ name: c.name, type: c.type, nativeType: c.nativeType }));
      rows = kept.map((r) => cols.map((c) => jsonSafe(r[c.name])));
    }
  }

  if (opened.kind === "text" && args.columns) ({ columns, rows } = project(columns, rows, args.columns));

  // the response byte cap: keep whole rows while their JSON fits
  const cap = ctx.limits.responseBytes;
  let size = 0;
  let keep = rows.length;
  for (let i = 0; i < rows.length; i++) {
    size += JSON.stringify(rows[i]).length + 1;
    if (size > cap) {
      keep = i;
      break;
    }
  }
  if (keep < rows.length) {
    rows = rows.slice(0, keep);
    truncated = true;
  }
  if (rows.length === 0 && limit > 0 && !truncated && columns.length === 0) {
    throw new ConnectorError("invalid_request", `"${path}" has no rows to preview`);
  }
  stats?.({ requests: reader.requests, bytesRead: reader.bytesRead });
  return { columns, rows, rowCount: rows.length, truncated, elapsedMs: Date.now() - started, requests: reader.requests, bytesRead: reader.bytesRead };
}
