import { Buffer } from "node:buffer";
import { CloudflareSocket } from "pg-cloudflare";
import type { ConnectorContext } from "../types";

// The socket node-postgres gets (its `stream` option): node-postgres' own Workers socket over
// `connect()` from cloudflare:sockets, with the egress guard asked for the host and port before the
// socket opens, exactly as the guarded fetch does for a URL. A refusal is an error event, as a
// failed connect would be; no socket is opened.

/** The URL the egress guard is asked about for a TCP destination (it speaks URLs). */
export function socketUrl(host: string, port: number): string {
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `https://${bracketed}:${port}/`;
}

export class GuardedSocket extends CloudflareSocket {
  private markEnded!: () => void;
  /** Settles when the driver ends the socket (after its last write, e.g. Terminate, was handed over). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(
    ssl: boolean,
    private readonly guard: Pick<ConnectorContext, "assertAllowed">,
  ) {
    super(ssl);
  }

  override connect(port: number, host: string, connectListener?: (...args: unknown[]) => void): Promise<this | undefined> {
    try {
      this.guard.assertAllowed(socketUrl(host, port));
    } catch (err) {
      queueMicrotask(() => this.emit("error", err));
      return Promise.resolve(undefined);
    }
    const connecting = super.connect(port, host, connectListener);
    // The driver's socket reports failures as error events, but leaves some of the runtime socket's
    // promises unobserved; a refused or failed connection would then log an unhandled rejection.
    void connecting.then(() => this.observeRuntimePromises());
    return connecting;
  }

  private observeRuntimePromises() {
    const inner = this as unknown as Record<string, { opened?: Promise<unknown>; closed?: Promise<unknown> } | null>;
    for (const key of ["_cfSocket", "_cfWriter", "_cfReader"]) {
      for (const p of [inner[key]?.opened, inner[key]?.closed]) p?.catch(() => {});
    }
  }

  // The driver writes each protocol message separately, and the runtime socket sends each write as
  // it comes. Writes made in one turn of the event loop (a batch's Parse/Bind/Execute/Sync, or the
  // closing ROLLBACK and Terminate) are joined into one write here, so the server never answers part
  // of a batch before the rest has left: that would cost a round trip on a slow or busy link.
  private pending: Array<{ data: Uint8Array; callback?: (error?: unknown) => void }> = [];

  override write(data: Uint8Array | string, encodingOrCallback?: BufferEncoding | ((error?: unknown) => void), callback?: (error?: unknown) => void): true | void {
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    const bytes = typeof data === "string" ? Buffer.from(data, typeof encodingOrCallback === "string" ? encodingOrCallback : "utf8") : data;
    if (bytes.length === 0) return done?.();
    this.pending.push({ data: bytes, callback: done });
    if (this.pending.length === 1) queueMicrotask(() => this.flush());
    return true;
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const joined = batch.length === 1 ? batch[0]!.data : Buffer.concat(batch.map((b) => b.data));
    super.write(joined, (error?: unknown) => {
      for (const b of batch) b.callback?.(error);
    });
  }

  override end(): this {
    this.flush();
    this.markEnded();
    return super.end();
  }
}
