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
  const it = source.chunks[Symbol.asyncIterator]();
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
  const output = input.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);
  const reader = output.getReader();
  let finished = false;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        if (err instanceof ConnectorError) throw err;
        // A stream cut by our own byte budget ends mid-member: what came out so far is the sample.
        if (!source.exhausted()) {
          finished = true;
          return;
        }
        throw new ConnectorError("invalid_request", "The gzip data is corrupt or truncated");
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    else reader.releaseLock();
  }
}
