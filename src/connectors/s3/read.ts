import { ConnectorError } from "../errors";
import { decoderFor, detectEncoding, type Detected, type StreamDecoder, type TextEncoding } from "../../formats/encoding";
import { gunzip, type ChunkSource } from "../../formats/gzip";
import type { ObjectRange, RangeResult, S3Client } from "./client";

// Reading one object with ranged GETs only, counting requests and bytes. Text is read in growing
// steps (64 KB, 256 KB, 1 MB, 4 MB, ...) so that a reader that has enough stops the fetching.

export const SAMPLE_BYTES = 64 * 1024;

export class ObjectReader {
  requests = 0;
  bytesRead = 0;

  constructor(
    readonly client: S3Client,
    readonly key: string,
  ) {}

  async range(range: ObjectRange): Promise<RangeResult | null> {
    this.requests++;
    const r = await this.client.getRange(this.key, range);
    if (r) this.bytesRead += r.bytes.byteLength;
    return r;
  }

  // Bytes [start, end) of the object; the server must send exactly those.
  async bytes(start: number, end: number): Promise<Uint8Array> {
    const r = await this.range({ start, end: end - 1 });
    if (!r || r.start !== start || r.bytes.byteLength < end - start) {
      throw new ConnectorError("upstream_error", "The storage service sent a different byte range than requested");
    }
    return r.bytes.byteLength === end - start ? r.bytes : r.bytes.subarray(0, end - start);
  }

  // The object's bytes from the start: `head` (already read) first, then ranges that grow 4x per
  // step, until the end of the object or `budget` bytes in total.
  chunks(head: RangeResult, budget: number): ChunkSource {
    let pos = head.start + head.bytes.byteLength;
    const size = head.size;
    let step = Math.max(SAMPLE_BYTES, head.bytes.byteLength) * 4;
    const self = this;
    async function* gen() {
      yield head.bytes;
      while (pos < size && pos < budget) {
        const end = Math.min(size, budget, pos + step);
        const bytes = await self.bytes(pos, end);
        pos = end;
        step *= 4;
        yield bytes;
      }
    }
    return { chunks: gen(), exhausted: () => pos >= size };
  }
}

export type TextRead = { text: string; final: boolean; bom: boolean; encoding: TextEncoding };

// Decodes text (optionally gunzipping) from a chunk source until `enough(text)` says so, the end of
// the data, or maxChars. The encoding comes from the first (decompressed) bytes; a BOM is dropped.
// `final` is true when the text is the whole (decompressed) object.
export async function readText(
  source: ChunkSource,
  opts: { gzip: boolean; maxChars: number; enough?: (text: string) => boolean },
): Promise<TextRead> {
  let detected: Detected | undefined;
  let decoder: StreamDecoder | undefined;
  let text = "";
  let stopped = false;
  const input = opts.gzip ? gunzip(source) : source.chunks;
  for await (let chunk of input) {
    if (!detected) {
      detected = detectEncoding(chunk);
      decoder = decoderFor(detected.encoding);
      chunk = chunk.subarray(detected.bom);
    }
    text += decoder!.decode(chunk, true);
    if (text.length >= opts.maxChars || opts.enough?.(text)) {
      stopped = true;
      break;
    }
  }
  const final = !stopped && source.exhausted();
  if (final && decoder) text += decoder.decode(new Uint8Array(0), false);
  return { text, final, bom: (detected?.bom ?? 0) > 0, encoding: detected?.encoding ?? "utf-8" };
}
