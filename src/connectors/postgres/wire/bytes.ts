// Byte helpers for PostgreSQL protocol messages: a growable writer and a bounds-checked reader.
// Integers are big-endian (network order); strings are UTF-8, NUL-terminated where the protocol says so.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8 = (s: string): Uint8Array => encoder.encode(s);
export const fromUtf8 = (b: Uint8Array): string => decoder.decode(b);

export class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  int8(v: number) {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  int16(v: number) {
    this.ensure(2);
    this.view.setInt16(this.len, v);
    this.len += 2;
    return this;
  }
  int32(v: number) {
    this.ensure(4);
    this.view.setInt32(this.len, v);
    this.len += 4;
    return this;
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** A NUL-terminated UTF-8 string. */
  cstr(s: string) {
    return this.bytes(utf8(s)).int8(0);
  }
  get length() {
    return this.len;
  }
  /** Writes a big-endian int32 at an earlier position (a message's length field). */
  patch32(at: number, v: number) {
    this.view.setInt32(at, v);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Appends one message: a type byte (omitted for the startup message), then its length and body. */
export function message(w: Writer, type: string | null, body: (w: Writer) => void): Writer {
  if (type) w.int8(type.charCodeAt(0));
  const at = w.length;
  w.int32(0);
  body(w);
  w.patch32(at, w.length - at);
  return w;
}

export class ProtocolError extends Error {}

export class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number) {
    if (this.pos + n > this.buf.length) throw new ProtocolError("The server sent a truncated message");
  }
  int8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  int16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (n < 0) throw new ProtocolError("The server sent a negative length");
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  cstr(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new ProtocolError("The server sent an unterminated string");
    const s = fromUtf8(this.buf.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  rest(): Uint8Array {
    return this.bytes(this.buf.length - this.pos);
  }
  get remaining() {
    return this.buf.length - this.pos;
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export function toBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
