import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";

// A WebSocket to a WebSocket-to-TCP proxy (Neon's wsproxy protocol: raw protocol bytes in binary
// messages), shaped as the socket node-postgres expects: connect/data/close events, write and end.
// This is what Neon's own driver hands node-postgres too.
export class WebSocketSocket extends EventEmitter {
  writable = false;
  destroyed = false;
  private ws: WebSocket | null = null;
  private markEnded!: () => void;
  /** Settles when the driver ends the socket (after its last write, e.g. Terminate, was handed over). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(private readonly url: string) {
    super();
  }

  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }

  // The address the driver passes is the database's; the proxy URL already names it.
  connect(): this {
    let opened = false;
    let failed = false;
    const fail = (why: string) => {
      if (failed) return;
      failed = true;
      this.emit("error", new Error(why));
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      queueMicrotask(() => fail(`the WebSocket to the proxy could not be opened: ${(err as Error).message}`));
      return this;
    }
    this.ws = ws;
    try {
      ws.binaryType = "arraybuffer";
    } catch {
      // some runtimes only know arraybuffer
    }
    ws.addEventListener("open", () => {
      opened = true;
      this.writable = true;
      this.emit("connect");
    });
    ws.addEventListener("message", (e: MessageEvent) => {
      const d = e.data as ArrayBuffer | string;
      this.emit("data", typeof d === "string" ? Buffer.from(d, "utf8") : Buffer.from(d));
    });
    ws.addEventListener("error", (e: Event) => {
      const msg = (e as ErrorEvent).message;
      if (!opened) fail(`the WebSocket to the proxy could not be opened${msg ? `: ${msg}` : ""}`);
    });
    ws.addEventListener("close", (e: CloseEvent) => {
      this.writable = false;
      if (!opened) fail(`the WebSocket to the proxy closed before it opened${e.code ? ` (${e.code}${e.reason ? ` ${e.reason}` : ""})` : ""}`);
      this.emit("close");
    });
    return this;
  }

  write(data: Uint8Array | string, encodingOrCallback?: unknown, callback?: (err?: Error) => void): boolean {
    const cb = typeof encodingOrCallback === "function" ? (encodingOrCallback as (err?: Error) => void) : callback;
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      cb?.(new Error("the WebSocket is not open"));
      return false;
    }
    // Messages written in one turn of the event loop (a batch, or ROLLBACK then Terminate) leave as
    // one frame, so the server never answers part of a batch before the rest has left (a round trip
    // on a slow or busy link); the same idea as the Neon driver's coalesceWrites.
    this.pending.push(typeof data === "string" ? new TextEncoder().encode(data) : data);
    if (this.pending.length === 1) queueMicrotask(() => this.flush());
    cb?.();
    return true;
  }

  private pending: Uint8Array[] = [];

  private flush(): void {
    const frames = this.pending;
    if (frames.length === 0) return;
    this.pending = [];
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  end(): this {
    this.flush();
    this.markEnded();
    this.writable = false;
    try {
      this.ws?.close(1000);
    } catch {
      // already closed
    }
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    return this.end();
  }
}
