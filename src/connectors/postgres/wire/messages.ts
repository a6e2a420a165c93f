import { message, Reader, Writer } from "./bytes";

// Frontend messages (built into one Writer, so a whole exchange leaves as one WebSocket frame) and the
// parsers for the backend messages the client reads. PostgreSQL protocol 3.0.

export const PROTOCOL_3_0 = 196608; // 3 << 16

export function startup(w: Writer, params: Record<string, string>): Writer {
  return message(w, null, (b) => {
    b.int32(PROTOCOL_3_0);
    for (const [k, v] of Object.entries(params)) b.cstr(k).cstr(v);
    b.int8(0);
  });
}

/** PasswordMessage (cleartext or md5). */
export const password = (w: Writer, text: string) => message(w, "p", (b) => b.cstr(text));

export const saslInitial = (w: Writer, mechanism: string, data: Uint8Array) =>
  message(w, "p", (b) => b.cstr(mechanism).int32(data.length).bytes(data));

export const saslResponse = (w: Writer, data: Uint8Array) => message(w, "p", (b) => b.bytes(data));

export const query = (w: Writer, sql: string) => message(w, "Q", (b) => b.cstr(sql));

export const parse = (w: Writer, name: string, sql: string) => message(w, "P", (b) => b.cstr(name).cstr(sql).int16(0));

/** Bind to the unnamed portal: every parameter and every result column in text format. */
export function bind(w: Writer, statement: string, values: Array<Uint8Array | null>): Writer {
  return message(w, "B", (b) => {
    b.cstr("").cstr(statement).int16(0).int16(values.length);
    for (const v of values) {
      if (v === null) b.int32(-1);
      else b.int32(v.length).bytes(v);
    }
    b.int16(0);
  });
}

export const describePortal = (w: Writer) => message(w, "D", (b) => b.int8(0x50 /* P */).cstr(""));
export const execute = (w: Writer) => message(w, "E", (b) => b.cstr("").int32(0));
export const closeStatement = (w: Writer, name: string) => message(w, "C", (b) => b.int8(0x53 /* S */).cstr(name));
export const sync = (w: Writer) => message(w, "S", () => {});
export const terminate = (w: Writer) => message(w, "X", () => {});
export const copyFail = (w: Writer, why: string) => message(w, "f", (b) => b.cstr(why));

// ---- backend ----

export type Field = { name: string; dataTypeID: number };

export function rowDescription(body: Uint8Array): Field[] {
  const r = new Reader(body);
  const n = r.int16();
  const fields: Field[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.cstr();
    r.int32(); // table OID
    r.int16(); // column number
    const dataTypeID = r.uint32();
    r.int16(); // type size
    r.int32(); // type modifier
    r.int16(); // format (0: text)
    fields.push({ name, dataTypeID });
  }
  return fields;
}

const decoder = new TextDecoder();

export function dataRow(body: Uint8Array): Array<string | null> {
  const r = new Reader(body);
  const n = r.int16();
  const row: Array<string | null> = new Array(n);
  for (let i = 0; i < n; i++) {
    const len = r.int32();
    row[i] = len === -1 ? null : decoder.decode(r.bytes(len));
  }
  return row;
}

/** A command tag ("SELECT 5", "INSERT 0 1", "CREATE TABLE") as command and row count. */
export function commandTag(body: Uint8Array): { command: string; rowCount: number | null } {
  const tag = new Reader(body).cstr();
  const m = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/.exec(tag);
  if (!m) return { command: tag, rowCount: null };
  const count = m[3] ?? m[2];
  return { command: m[1]!, rowCount: count === undefined ? null : Number(count) };
}

/** ErrorResponse / NoticeResponse fields by their one-letter codes (S, V, C, M, D, H, P, ...). */
export function errorFields(body: Uint8Array): Record<string, string> {
  const r = new Reader(body);
  const out: Record<string, string> = {};
  for (;;) {
    const t = r.int8();
    if (t === 0) break;
    out[String.fromCharCode(t)] = r.cstr();
  }
  return out;
}

export class PgServerError extends Error {
  readonly code: string;
  readonly severity?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
  constructor(fields: Record<string, string>) {
    super(fields.M ?? "The server reported an error");
    this.name = "PgServerError";
    this.code = fields.C ?? "";
    this.severity = fields.V ?? fields.S;
    this.detail = fields.D;
    this.hint = fields.H;
    this.position = fields.P;
  }
}
