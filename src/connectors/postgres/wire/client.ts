import { concat, fromUtf8, ProtocolError, Reader, utf8, Writer } from "./bytes";
import { md5Password } from "./md5";
import * as m from "./messages";
import { chooseMechanism, ScramClient } from "./scram";

// A small PostgreSQL (protocol 3.0) client over a WebSocket-to-TCP proxy such as Neon's wsproxy: raw
// protocol bytes in binary WebSocket messages, no TLS inside the tunnel (the WebSocket's own wss:
// is the encryption). One request at a time; results in text format with each field's type OID.
// Not supported: SCRAM-SHA-256-PLUS, GSSAPI/SSPI/Kerberos, COPY, binary results.

export type WireResult = { fields: m.Field[]; rows: Array<Array<string | null>>; command: string; rowCount: number | null };

export type ConnectOptions = {
  user: string;
  password: string;
  database: string;
  applicationName?: string;
  signal?: AbortSignal;
};

export type ByteLimit = {
  bytes: number;
  /** "truncate": keep rows up to just past the limit and drop the rest; "fail": close and fail. */
  mode: "truncate" | "fail";
};

/** The connection ended (closed by the proxy or server, refused, cancelled) outside any PostgreSQL error. */
export class WireClosedError extends Error {
  override name = "WireClosedError";
}

export const MAX_MESSAGE_BYTES = 1 << 30; // a declared length at or above 1 GiB is refused
const MAX_DROPPED_BYTES = 64 << 20; // "truncate" mode: what may be read and dropped past the limit

type Msg = { type: string; body: Uint8Array };

export class WireClient {
  private chunks: Uint8Array[] = [];
  private have = 0;
  private inbox: Msg[] = [];
  private waiter: ((msg: Msg | Error) => void) | null = null;
  private failure: Error | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  readonly parameters = new Map<string, string>();
  private constructor(private readonly ws: WebSocket) {}

  static async connect(url: string, opts: ConnectOptions): Promise<WireClient> {
    if (opts.signal?.aborted) throw new WireClosedError("cancelled before connecting");
    const ws = new WebSocket(url);
    try {
      ws.binaryType = "arraybuffer";
    } catch {
      // some runtimes only know arraybuffer
    }
    const client = new WireClient(ws);
    await new Promise<void>((resolve, reject) => {
      const onOpen = () => {
        cleanup();
        resolve();
      };
      const onClose = (e: Event) => {
        cleanup();
        const c = e as CloseEvent;
        reject(new WireClosedError(`the WebSocket to the proxy closed before it opened${c.code ? ` (${c.code}${c.reason ? ` ${c.reason}` : ""})` : ""}`));
      };
      const onError = (e: Event) => {
        cleanup();
        const msg = (e as ErrorEvent).message;
        reject(new WireClosedError(`the WebSocket to the proxy could not be opened${msg ? `: ${msg}` : ""}`));
      };
      const onAbort = () => {
        cleanup();
        client.destroy(new WireClosedError("cancelled"));
        reject(new WireClosedError("cancelled while connecting"));
      };
      const cleanup = () => {
        ws.removeEventListener("open", onOpen);
        ws.removeEventListener("close", onClose);
        ws.removeEventListener("error", onError);
        opts.signal?.removeEventListener("abort", onAbort);
      };
      ws.addEventListener("open", onOpen);
      ws.addEventListener("close", onClose);
      ws.addEventListener("error", onError);
      opts.signal?.addEventListener("abort", onAbort);
    });
    client.listen();
    try {
      await client.handshake(opts);
    } catch (err) {
      client.destroy(err instanceof Error ? err : new WireClosedError(String(err)));
      throw err;
    }
    return client;
  }

  private listen() {
    this.ws.addEventListener("message", (e: MessageEvent) => {
      const data = e.data;
      if (typeof data === "string") return this.destroy(new ProtocolError("The proxy sent a text WebSocket message"));
      if (data instanceof ArrayBuffer) this.receive(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) this.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else this.destroy(new ProtocolError("The proxy sent an unexpected WebSocket message"));
    });
    this.ws.addEventListener("close", (e: CloseEvent) => {
      const why = e.code && e.code !== 1000 && e.code !== 1005 ? ` (${e.code}${e.reason ? ` ${e.reason}` : ""})` : "";
      this.fail(new WireClosedError(`the connection was closed by the proxy or the server${why}`));
    });
    this.ws.addEventListener("error", () => this.fail(new WireClosedError("the WebSocket failed")));
  }

  /** Splits buffered bytes into complete messages. */
  private receive(bytes: Uint8Array) {
    if (this.failure) return;
    this.chunks.push(bytes);
    this.have += bytes.length;
    while (this.have >= 5) {
      const head = this.peek(5);
      const len = new DataView(head.buffer, head.byteOffset, 5).getUint32(1);
      if (len < 4 || len >= MAX_MESSAGE_BYTES) {
        return this.destroy(new ProtocolError(`The server sent a message with an unacceptable length (${len} bytes)`));
      }
      if (this.have < len + 1) return;
      const msg = this.take(len + 1);
      this.deliver({ type: String.fromCharCode(msg[0]!), body: msg.subarray(5) });
    }
  }

  private peek(n: number): Uint8Array {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, n - at);
      out.set(part, at);
      at += part.length;
      if (at === n) break;
    }
    return out;
  }

  private take(n: number): Uint8Array {
    this.have -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Uint8Array[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        parts.push(c);
        this.chunks.shift();
        left -= c.length;
      } else {
        parts.push(c.subarray(0, left));
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    return concat(parts);
  }

  private deliver(msg: Msg) {
    // Asynchronous messages, whenever they come.
    if (msg.type === "N" || msg.type === "A") return; // NoticeResponse, NotificationResponse: ignored
    if (msg.type === "S") {
      const r = new Reader(msg.body);
      const key = r.cstr();
      this.parameters.set(key, r.cstr());
      return;
    }
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(msg);
    } else this.inbox.push(msg);
  }

  private fail(err: Error) {
    if (this.failure) return;
    this.failure = err;
    this.chunks = [];
    this.have = 0;
    const w = this.waiter;
    this.waiter = null;
    w?.(err);
  }

  /** Ends the connection at once (deadline, protocol error, byte limit); pending requests fail with `err`. */
  destroy(err: Error = new WireClosedError("the connection was closed")) {
    this.fail(err);
    try {
      this.ws.close(1000);
    } catch {
      // already closing
    }
  }

  get closed() {
    return this.failure !== null;
  }

  private next(): Promise<Msg> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Msg>((resolve, reject) => {
      this.waiter = (x) => (x instanceof Error ? reject(x) : resolve(x));
    });
  }

  private send(w: Writer) {
    if (this.failure) throw this.failure;
    this.ws.send(w.done());
  }

  private async handshake(opts: ConnectOptions) {
    const params: Record<string, string> = { user: opts.user, database: opts.database, client_encoding: "UTF8" };
    if (opts.applicationName) params.application_name = opts.applicationName;
    this.send(m.startup(new Writer(), params));
    let scram: ScramClient | null = null;
    for (;;) {
      const msg = await this.next();
      switch (msg.type) {
        case "R": {
          const r = new Reader(msg.body);
          const kind = r.int32();
          if (kind === 0) break; // AuthenticationOk
          else if (kind === 3) this.send(m.password(new Writer(), opts.password));
          else if (kind === 5) this.send(m.password(new Writer(), md5Password(opts.user, opts.password, r.bytes(4))));
          else if (kind === 10) {
            const offered: string[] = [];
            for (let s = r.cstr(); s; s = r.remaining ? r.cstr() : "") offered.push(s);
            const mechanism = chooseMechanism(offered);
            scram = new ScramClient(opts.password);
            this.send(m.saslInitial(new Writer(), mechanism, utf8(scram.clientFirst())));
          } else if (kind === 11) {
            if (!scram) throw new ProtocolError("The server continued a SASL exchange that was not started");
            this.send(m.saslResponse(new Writer(), utf8(await scram.clientFinal(fromUtf8(r.rest())))));
          } else if (kind === 12) {
            if (!scram) throw new ProtocolError("The server ended a SASL exchange that was not started");
            scram.verifyServerFinal(fromUtf8(r.rest()));
          } else {
            const names: Record<number, string> = { 2: "Kerberos V5", 7: "GSSAPI", 8: "GSSAPI", 9: "SSPI" };
            throw new ProtocolError(`The server asks for ${names[kind] ?? `authentication method ${kind}`}, which is not supported`);
          }
          break;
        }
        case "E":
          throw new m.PgServerError(m.errorFields(msg.body));
        case "K": // BackendKeyData: no cancel requests are sent (the deadline closes the socket)
        case "v": // NegotiateProtocolVersion: the server's minor version is fine
          break;
        case "Z":
          return;
        default:
          throw new ProtocolError(`Unexpected message "${msg.type}" while connecting`);
      }
    }
  }

  /** Runs requests one after another. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => {});
    return run;
  }

  /** Simple query: one or more statements in one message; the last statement's result. */
  simpleQuery(sql: string, limit?: ByteLimit): Promise<WireResult> {
    return this.serial(() => {
      this.send(m.query(new Writer(), sql));
      return this.collect(limit);
    });
  }

  /**
   * Extended query: Parse (named or unnamed statement), Bind with text parameters, Describe, Execute
   * (all rows), Close of a named statement, Sync, in one frame. Only one statement is accepted.
   */
  extendedQuery(sql: string, values: Array<string | null>, name = "", limit?: ByteLimit, preamble: string[] = []): Promise<WireResult> {
    return this.serial(() => {
      const w = new Writer();
      // Statements that must succeed before this one (BEGIN READ ONLY, its settings) travel in the same
      // frame. After an error the server skips every message up to Sync, so the statement never runs
      // without them; the result is still the last statement's.
      for (const stmt of preamble) {
        m.parse(w, "", stmt);
        m.bind(w, "", []);
        m.execute(w);
      }
      m.parse(w, name, sql);
      m.bind(w, name, values.map((v) => (v === null ? null : utf8(v))));
      m.describePortal(w);
      m.execute(w);
      if (name) m.closeStatement(w, name);
      m.sync(w);
      this.send(w);
      return this.collect(limit);
    });
  }

  /** Reads one request's messages up to ReadyForQuery. */
  private async collect(limit?: ByteLimit): Promise<WireResult> {
    let current: WireResult = { fields: [], rows: [], command: "", rowCount: null };
    let last: WireResult | null = null;
    let error: Error | null = null;
    let bytes = 0;
    let dropped = 0;
    for (;;) {
      const msg = await this.next();
      switch (msg.type) {
        case "T":
          current = { fields: m.rowDescription(msg.body), rows: [], command: "", rowCount: null };
          break;
        case "D":
          if (limit && bytes > limit.bytes) {
            dropped += msg.body.length;
            if (limit.mode === "fail" || dropped > MAX_DROPPED_BYTES) {
              const err = new WireClosedError(`the result is larger than the response limit of ${limit.bytes} bytes; the connection was closed`);
              this.destroy(err);
              throw err;
            }
            break;
          }
          bytes += msg.body.length;
          current.rows.push(m.dataRow(msg.body));
          break;
        case "C":
          Object.assign(current, m.commandTag(msg.body));
          last = current;
          current = { fields: [], rows: [], command: "", rowCount: null };
          break;
        case "I": // EmptyQueryResponse
          last = { fields: [], rows: [], command: "", rowCount: null };
          break;
        case "E":
          error ??= new m.PgServerError(m.errorFields(msg.body));
          break;
        case "G": // CopyInResponse: refuse
          this.send(m.copyFail(new Writer(), "COPY is not supported by this client"));
          break;
        case "H": // CopyOutResponse: the data is read and dropped
          error ??= new ProtocolError("COPY is not supported by this client");
          break;
        case "1": // ParseComplete
        case "2": // BindComplete
        case "3": // CloseComplete
        case "n": // NoData
        case "t": // ParameterDescription
        case "s": // PortalSuspended
        case "d": // CopyData
        case "c": // CopyDone
        case "K":
          break;
        case "Z":
          if (error) throw error;
          return last ?? current;
        default: {
          const err = new ProtocolError(`Unexpected message "${msg.type}" from the server`);
          this.destroy(err);
          throw err;
        }
      }
    }
  }

  /** Sends Terminate and closes the WebSocket (no reply is awaited). */
  close() {
    if (!this.failure) {
      try {
        this.ws.send(m.terminate(new Writer()).done());
      } catch {
        // closed meanwhile
      }
    }
    this.destroy(new WireClosedError("the connection was closed"));
  }
}
