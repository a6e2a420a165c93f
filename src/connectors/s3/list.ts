import { ConnectorError } from "../errors";
import type { FileEntry, Page, PageRequest } from "../types";
import type { S3Client } from "./client";
import { prefixFor, relativeKey } from "./keys";
import { xmlBlocks, xmlText } from "./xml";

// ListObjectsV2, one request per page. The connector cursor is S3's continuation token.

const MAX_KEYS = 1000;

// With encoding-type=url, S3 form-encodes keys and prefixes (space as "+"). Servers that ignore the
// parameter answer without <EncodingType>, and their values are used as they are.
const urlDecode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw new ConnectorError("upstream_error", "The storage service sent a key that is not valid URL encoding");
  }
};

export async function listFiles(
  client: S3Client,
  args: { path: string; delimiter: string },
  page: PageRequest,
): Promise<Page<FileEntry>> {
  const delimiter = args.delimiter ?? "/";
  if (delimiter.length > 16) throw new ConnectorError("invalid_request", "The delimiter is at most 16 characters");
  const maxKeys = Math.max(1, Math.min(MAX_KEYS, Math.floor(page.limit || MAX_KEYS)));
  const xml = await client.listObjects({
    prefix: prefixFor(client.config, args.path ?? ""),
    delimiter: delimiter || undefined,
    maxKeys,
    continuationToken: page.cursor || undefined,
  });
  const encoded = xmlText(xml, "EncodingType") === "url";
  const decode = (s: string) => (encoded ? urlDecode(s) : s);

  const folders: FileEntry[] = xmlBlocks(xml, "CommonPrefixes").map((block) => ({
    kind: "folder",
    path: relativeKey(client.config, decode(xmlText(block, "Prefix") ?? "")),
  }));
  const objects: FileEntry[] = xmlBlocks(xml, "Contents").map((block) => {
    const size = Number(xmlText(block, "Size") ?? "0");
    const lastModified = xmlText(block, "LastModified");
    const etag = xmlText(block, "ETag");
    return {
      kind: "object",
      path: relativeKey(client.config, decode(xmlText(block, "Key") ?? "")),
      size: Number.isFinite(size) ? size : 0,
      lastModified: lastModified ? toIso(lastModified) : null,
      etag: etag ? etag.replace(/^"+|"+$/g, "") : null,
    };
  });
  const truncated = xmlText(xml, "IsTruncated") === "true";
  const next = truncated ? xmlText(xml, "NextContinuationToken") : null;
  return { data: [...folders, ...objects], nextCursor: next || null };
}

function toIso(s: string): string | null {
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
