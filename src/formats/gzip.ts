import { ConnectorError } from "../connectors/errors";

// Gzip through the platform's DecompressionStream, as a stream: compressed chunks go in as the caller
// pulls decompressed ones out, so a reader that stops early never fetches or inflates the rest.

export const isGzip = (head: Uint8Array) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

export type ChunkSource = {
  chunks: AsyncIterable<Uint8Array>;
  // true once the source delivered the last byte of the object (false when it stopped at a budget)
  exhausted: () => boolean;
};

export async function* gunzip(source: ChunkSource): AsyncGenerator<Uint8Array> {
  // Driven by hand rather than with pipeThrough: a stream cut by our byte budget ends mid-member, and
  // an errored stream drops the output still queued in it. Here a read is always pending, so every
  // decompressed chunk is collected the moment it is produced, and the budget's end only stops input.
  const ds = new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const out: Uint8Array[] = [];
  let failed: unknown = null;
  let ended = false;
  const pump = (async () => {
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        out.push(next.value);
      }
    } catch (err) {
      failed = err;
    } finally {
      ended = true;
    }
  })();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const drain = function* () {
    while (out.length) yield out.shift()!;
  };
  try {
    for await (const chunk of source.chunks) {
      await writer.write(chunk).catch(() => {});
      await settle();
      if (failed) throw new ConnectorError("invalid_request", "The gzip data is corrupt");
      yield* drain();
    }
    if (source.exhausted()) {
      await writer.close().catch(() => {});
      await pump;
      yield* drain();
      if (failed) throw new ConnectorError("invalid_request", "The gzip data is corrupt or truncated");
    } else {
      // Stopped at our byte budget: what came out so far is the sample.
      yield* drain();
    }
  } finally {
    if (!ended) {
      await writer.abort().catch(() => {});
      await reader.cancel().catch(() => {});
    }
  }
}
