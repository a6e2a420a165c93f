import { ConnectorError } from "../connectors/errors";

// A reader for Avro object container files (Avro 1.11 spec, "Object Container Files"), as Iceberg
// writes manifest lists and manifests: header (magic Obj\x01, metadata map with avro.schema and
// avro.codec, 16-byte sync marker), then blocks of (count, size, records, sync). Codecs: null and
// deflate (raw DEFLATE, through DecompressionStream). Longs are numbers when exact, else BigInt.

type AvroSchema = string | AvroSchema[] | { type: string; [k: string]: unknown };
type Named = Map<string, AvroSchema>;

const bad = (why: string) => new ConnectorError("upstream_error", `The Avro file is not readable: ${why}`);

class Cursor {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw bad("it ends early");
    return this.b[this.pos++]!;
  }
  long(): number | bigint {
    let n = 0n;
    let shift = 0n;
    for (;;) {
      const x = this.byte();
      n |= BigInt(x & 0x7f) << shift;
      if (!(x & 0x80)) break;
      shift += 7n;
      if (shift > 63n) throw bad("a varint is too long");
    }
    const v = (n >> 1n) ^ -(n & 1n); // zig-zag
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  int(): number {
    const v = this.long();
    if (typeof v !== "number") throw bad("an int is out of range");
    return v;
  }
  bytes(n?: number): Uint8Array {
    const len = n ?? this.int();
    if (len < 0 || this.pos + len > this.b.length) throw bad("a length runs past the end");
    const out = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

const utf8 = new TextDecoder();

function resolve(schema: AvroSchema, named: Named): AvroSchema {
  if (typeof schema === "string") {
    const found = named.get(schema);
    return found ?? schema;
  }
  return schema;
}

function register(schema: AvroSchema, named: Named, ns = "") {
  if (Array.isArray(schema)) return schema.forEach((s) => register(s, named, ns));
  if (typeof schema !== "object") return;
  const name = typeof schema.name === "string" ? schema.name : null;
  const space = typeof schema.namespace === "string" ? schema.namespace : ns;
  if (name && ["record", "enum", "fixed"].includes(schema.type)) {
    named.set(name, schema);
    if (space && !name.includes(".")) named.set(`${space}.${name}`, schema);
  }
  if (schema.type === "record") for (const f of schema.fields as Array<{ type: AvroSchema }>) register(f.type, named, space);
  if (schema.type === "array") register(schema.items as AvroSchema, named, space);
  if (schema.type === "map") register(schema.values as AvroSchema, named, space);
}

function read(raw: AvroSchema, c: Cursor, named: Named): unknown {
  const schema = resolve(raw, named);
  if (Array.isArray(schema)) {
    const branch = c.int();
    if (branch < 0 || branch >= schema.length) throw bad("a union branch is out of range");
    return read(schema[branch]!, c, named);
  }
  const type = typeof schema === "string" ? schema : schema.type;
  const o = (typeof schema === "string" ? {} : schema) as { size: number; symbols: string[]; items: AvroSchema; values: AvroSchema; fields: Array<{ name: string; type: AvroSchema }> };
  switch (type) {
    case "null":
      return null;
    case "boolean":
      return c.byte() !== 0;
    case "int":
      return c.int();
    case "long":
      return c.long();
    case "float": {
      const v = new DataView(c.b.buffer, c.b.byteOffset + c.pos, 4).getFloat32(0, true);
      c.pos += 4;
      return v;
    }
    case "double": {
      const v = new DataView(c.b.buffer, c.b.byteOffset + c.pos, 8).getFloat64(0, true);
      c.pos += 8;
      return v;
    }
    case "bytes":
      return c.bytes();
    case "string":
      return utf8.decode(c.bytes());
    case "fixed":
      return c.bytes(o.size);
    case "enum":
      return o.symbols[c.int()];
    case "array":
    case "map": {
      const out: unknown[] = [];
      const map: Record<string, unknown> = {};
      for (;;) {
        let count = c.int();
        if (count === 0) break;
        if (count < 0) {
          count = -count;
          c.long(); // block size in bytes
        }
        for (let i = 0; i < count; i++) {
          if (type === "array") out.push(read(o.items, c, named));
          else map[utf8.decode(c.bytes())] = read(o.values, c, named);
        }
      }
      return type === "array" ? out : map;
    }
    case "record": {
      const rec: Record<string, unknown> = {};
      for (const f of o.fields) rec[f.name] = read(f.type, c, named);
      return rec;
    }
    default:
      throw bad(`the type ${String(type)} is unknown`);
  }
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export type AvroFile = { schema: AvroSchema; metadata: Record<string, string>; records: Array<Record<string, unknown>> };

// Reads every record of a container file (manifests are small; callers bound the bytes they fetch).
export async function readAvroFile(bytes: Uint8Array, maxRecords = Infinity): Promise<AvroFile> {
  const c = new Cursor(bytes);
  if (bytes.length < 4 || bytes[0] !== 0x4f || bytes[1] !== 0x62 || bytes[2] !== 0x6a || bytes[3] !== 1) throw bad("it does not start with Obj\\x01");
  c.pos = 4;
  const metadata = read({ type: "map", values: "bytes" }, c, new Map()) as Record<string, Uint8Array>;
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) meta[k] = utf8.decode(v);
  const sync = c.bytes(16);
  let schema: AvroSchema;
  try {
    schema = JSON.parse(meta["avro.schema"] ?? "") as AvroSchema;
  } catch {
    throw bad("its schema is missing or not JSON");
  }
  const codec = meta["avro.codec"] ?? "null";
  if (codec !== "null" && codec !== "deflate") throw bad(`the codec ${codec} is not supported`);
  const named: Named = new Map();
  register(schema, named);
  const records: Array<Record<string, unknown>> = [];
  while (c.pos < bytes.length && records.length < maxRecords) {
    const count = c.int();
    const size = c.int();
    let block = c.bytes(size);
    if (codec === "deflate") block = await inflate(block);
    const bc = new Cursor(block);
    for (let i = 0; i < count && records.length < maxRecords; i++) records.push(read(schema, bc, named) as Record<string, unknown>);
    const marker = c.bytes(16);
    if (!marker.every((x, i) => x === sync[i])) throw bad("a block's sync marker does not match the header's");
  }
  return { schema, metadata: meta, records };
}
