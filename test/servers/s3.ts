// A real S3 server for the tests: @20minutes/s3rver (verifies SigV4 signatures) behind a small
// counting proxy on loopback. The proxy
//   - counts requests and response bytes per access key id and object key (exposed on a stats server),
//   - rejects unsigned requests with AccessDenied (s3rver lets anonymous requests through),
//   - plays a bucket policy for one "denied" key: its signed requests are verified by s3rver first,
//     then answered with 403 AccessDenied,
//   - fills in what s3rver lacks and real S3 does: suffix ranges (`bytes=-N`), 416 for ranges on an
//     empty object, and `encoding-type=url` in ListObjectsV2 responses.
// Fixtures are generated here at setup (Parquet through hyparquet-writer, CSV/JSON/gzip in Node, and
// files of other writers in s3-foreign.ts) into
// an s3rver store cached in the temp directory (keyed by this file's hash); nothing binary is committed.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { AwsClient } from "aws4fetch";
import { parquetWriteBuffer } from "hyparquet-writer";
import { rng } from "./rng";
import { foreignFixtures } from "./s3-foreign";

const require = createRequire(import.meta.url);

export const S3_ACCESS_KEY_ID = "AKIATESTS3RVERKEY001";
export const S3_SECRET_ACCESS_KEY = "test-only-secret/s3rver+0123456789abcdefABCDEF";
export const S3_DENIED_ACCESS_KEY_ID = "AKIATESTS3RVERDENY01";
export const S3_DENIED_SECRET_ACCESS_KEY = "test-only-denied-secret-0123456789abcdef";
const BUCKET = "fixtures";
const FIXTURE_VERSION = "v4";

type LogEntry = { method: string; path: string; range: string | null; status: number; bytes: number; sessionToken: boolean };
type Counter = { requests: number; bytes: number; log: LogEntry[] };

// s3rver encrypts continuation tokens with single DES ("des"), which OpenSSL 3 only has in its legacy
// provider. Triple DES with the key repeated three times is the same cipher, and is in the default one.
function patchDesForOpenSsl3() {
  const crypto = require("node:crypto");
  if (crypto.__s3rverDesPatched) return;
  for (const name of ["createCipheriv", "createDecipheriv"] as const) {
    const original = crypto[name];
    crypto[name] = (algorithm: string, key: Buffer, iv: Buffer, ...rest: unknown[]) =>
      algorithm === "des" && key.length === 8
        ? original.call(crypto, "des-ede3-cbc", Buffer.concat([key, key, key]), iv, ...rest)
        : original.call(crypto, algorithm, key, iv, ...rest);
  }
  crypto.__s3rverDesPatched = true;
}

export async function start(): Promise<{ addresses: Record<string, string>; stop: () => Promise<void> }> {
  patchDesForOpenSsl3();
  const S3rver = require("@20minutes/s3rver");
  const AWSAccount = require("@20minutes/s3rver/lib/models/account.js");
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY);
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(S3_DENIED_ACCESS_KEY_ID, S3_DENIED_SECRET_ACCESS_KEY);
  const denied = new Set([S3_DENIED_ACCESS_KEY_ID]);

  const t0 = Date.now();
  const { directory, count: fixtureCount } = await fixtureStore(S3rver);
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: process.env.S3RVER_VERBOSE !== "1",
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: BUCKET }, { name: "empty-bucket" }],
  });
  const upstream = (await s3rver.run()) as AddressInfo;
  const upstreamPort = upstream.port;

  // ---- counting proxy -------------------------------------------------------------------------
  const counters = new Map<string, Counter>(); // `${akid}\n${bucket}/${key}`
  const faults = new Map<string, { remaining: number }>();
  const count = (akid: string, key: string, entry: LogEntry) => {
    const id = `${akid}\n${key}`;
    let c = counters.get(id);
    if (!c) counters.set(id, (c = { requests: 0, bytes: 0, log: [] }));
    c.requests += 1;
    c.bytes += entry.bytes;
    c.log.push(entry);
  };

  const headSize = (rawPath: string) =>
    new Promise<number | null>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: upstreamPort, method: "HEAD", path: rawPath }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? Number(res.headers["content-length"]) : null);
      });
      req.on("error", reject);
      req.end();
    });

  const proxy = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://proxy");
      const segments = url.pathname.split("/").slice(1);
      const bucket = decodeURIComponent(segments[0] ?? "");
      const key = segments.length > 1 ? decodeURIComponent(segments.slice(1).join("/")) : "";
      const statKey = key ? `${bucket}/${key}` : bucket;
      const auth = req.headers.authorization ?? "";
      const akid = /Credential=([^/]+)\//.exec(auth)?.[1] ?? "anonymous";
      const method = req.method ?? "GET";
      const originalRange = (req.headers.range as string | undefined) ?? null;
      let bytes = 0;
      const finish = (status: number) =>
        count(akid, statKey, {
          method,
          path: url.pathname + url.search,
          range: originalRange,
          status,
          bytes,
          sessionToken: "x-amz-security-token" in req.headers,
        });

      // injected faults: the next N requests of a key id get a 503 SlowDown (to observe retries)
      const fault = faults.get(akid);
      if (fault && fault.remaining > 0) {
        fault.remaining -= 1;
        req.resume();
        const body = errorXml("SlowDown", "Please reduce your request rate.");
        bytes = Buffer.byteLength(body);
        res.writeHead(503, { "content-type": "application/xml", "content-length": bytes }).end(body);
        return finish(503);
      }

      if (!auth && !url.searchParams.has("X-Amz-Signature")) {
        const body = errorXml("AccessDenied", "Access Denied");
        bytes = Buffer.byteLength(body);
        res.writeHead(403, { "content-type": "application/xml", "content-length": bytes }).end(body);
        return finish(403);
      }

      const headers = { ...req.headers };
      let emptyWithRange = false;
      let firstByteOnly: number | null = null; // object size, when only byte 0 was asked for
      const suffix = originalRange && /^bytes=-(\d+)$/.exec(originalRange.trim());
      if (suffix && key && method === "GET") {
        const size = await headSize(req.url ?? "/");
        if (size === 0) {
          delete headers.range;
          emptyWithRange = true;
        } else if (size !== null) {
          const n = Number(suffix[1]);
          headers.range = `bytes=${Math.max(0, size - n)}-${size - 1}`;
        }
      } else if (originalRange && key && method === "GET") {
        const size = await headSize(req.url ?? "/");
        if (size === 0) {
          delete headers.range;
          emptyWithRange = true;
        } else if (/^bytes=0-0$/.test(originalRange.trim()) && size !== null) {
          // s3rver reads an end of 0 as "to the end" and would stream the whole object.
          headers.range = size > 1 ? "bytes=0-1" : "bytes=0-0";
          firstByteOnly = size;
        }
      }

      const upstreamReq = http.request(
        { host: "127.0.0.1", port: upstreamPort, method, path: req.url, headers },
        async (up) => {
          let status = up.statusCode ?? 502;
          const isDenied = denied.has(akid) && status < 300;
          if (isDenied || (emptyWithRange && status === 200)) {
            up.resume();
            const body = isDenied
              ? errorXml("AccessDenied", "Access Denied")
              : errorXml("InvalidRange", "The requested range is not satisfiable");
            status = isDenied ? 403 : 416;
            bytes = Buffer.byteLength(body);
            const extra: Record<string, string> = emptyWithRange && !isDenied ? { "content-range": "bytes */0" } : {};
            res.writeHead(status, { "content-type": "application/xml", "content-length": bytes, ...extra }).end(body);
            return finish(status);
          }
          if (!key && status === 500 && url.searchParams.has("continuation-token")) {
            // s3rver fails to decrypt a forged token; S3 answers 400 InvalidArgument
            up.resume();
            const body = errorXml("InvalidArgument", "The continuation token provided is incorrect");
            bytes = Buffer.byteLength(body);
            res.writeHead(400, { "content-type": "application/xml", "content-length": bytes }).end(body);
            return finish(400);
          }
          const isListing = !key && method === "GET" && status === 200;
          if (isListing) {
            const chunks: Buffer[] = [];
            for await (const c of up) chunks.push(c as Buffer);
            // s3rver escapes entities twice (he.escape, then its XML builder): undo the second pass.
            let body = Buffer.concat(chunks)
              .toString("utf8")
              .replace(/&amp;(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, "&$1;");
            if (url.searchParams.get("encoding-type") === "url") body = urlEncodeListing(body);
            bytes = Buffer.byteLength(body);
            const h = { ...up.headers, "content-length": String(bytes) };
            res.writeHead(status, h).end(body);
            return finish(status);
          }
          if (firstByteOnly !== null && status === 206) {
            const chunks: Buffer[] = [];
            for await (const c of up) chunks.push(c as Buffer);
            const one = Buffer.concat(chunks).subarray(0, 1);
            bytes = one.length;
            const h = { ...up.headers, "content-length": "1", "content-range": `bytes 0-0/${firstByteOnly}` };
            res.writeHead(206, h).end(one);
            return finish(206);
          }
          res.writeHead(status, up.headers);
          up.on("data", (c: Buffer) => {
            bytes += c.length;
          });
          up.on("end", () => finish(status));
          up.pipe(res);
        },
      );
      upstreamReq.on("error", (err) => {
        res.writeHead(502).end(String(err));
      });
      req.pipe(upstreamReq);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const proxyPort = (proxy.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${proxyPort}`;

  // ---- stats server ---------------------------------------------------------------------------
  // GET /stats?akid=<id>&key=<bucket/key>  -> { requests, bytes, log }
  // POST /keys -> a fresh key pair, so each test file can count its own requests in isolation.
  // POST /faults?akid=&times= -> that key's next requests answer 503 SlowDown.
  let keySeq = 0;
  const stats = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stats");
    res.setHeader("content-type", "application/json");
    if (req.method === "POST" && url.pathname === "/faults") {
      // POST /faults?akid=<id>&times=<n>: answer that key's next n requests with 503 SlowDown
      faults.set(url.searchParams.get("akid") ?? "", { remaining: Number(url.searchParams.get("times") ?? "0") });
      return res.end("{}");
    }
    if (req.method === "POST" && url.pathname === "/keys") {
      keySeq += 1;
      const accessKeyId = `AKIATESTFILE${String(keySeq).padStart(8, "0")}`;
      const secretAccessKey = randomBytes(24).toString("base64");
      AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
      return res.end(JSON.stringify({ accessKeyId, secretAccessKey }));
    }
    if (url.pathname === "/foreign-expected") {
      // what DuckDB read back from each foreign Parquet fixture (see s3-foreign.ts)
      return res.end(readFileSync(path.join(directory, ".foreign-expected.json")));
    }
    if (url.pathname === "/stats") {
      const akid = url.searchParams.get("akid") ?? "";
      const key = url.searchParams.get("key");
      const out: Counter = { requests: 0, bytes: 0, log: [] };
      for (const [id, c] of counters) {
        const [a, k] = id.split("\n");
        if (a !== akid || (key !== null && k !== key)) continue;
        out.requests += c.requests;
        out.bytes += c.bytes;
        out.log.push(...c.log);
      }
      return res.end(JSON.stringify(out));
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((resolve) => stats.listen(0, "127.0.0.1", resolve));
  const statsUrl = `http://127.0.0.1:${(stats.address() as AddressInfo).port}`;

  console.log(`[s3] s3rver on ${endpoint} (${fixtureCount} fixtures ready in ${Date.now() - t0} ms)`);

  return {
    addresses: {
      s3Endpoint: endpoint,
      s3Region: "us-east-1",
      s3Bucket: BUCKET,
      s3EmptyBucket: "empty-bucket",
      s3AccessKeyId: S3_ACCESS_KEY_ID,
      s3SecretAccessKey: S3_SECRET_ACCESS_KEY,
      s3DeniedAccessKeyId: S3_DENIED_ACCESS_KEY_ID,
      s3DeniedSecretAccessKey: S3_DENIED_SECRET_ACCESS_KEY,
      s3StatsUrl: statsUrl,
    },
    stop: async () => {
      await new Promise((r) => proxy.close(r));
      await new Promise((r) => stats.close(r));
      await s3rver.close(); // the fixture store stays cached in the temp directory
    },
  };
}

// The s3rver store with every fixture, built once per version of this file (its hash names the
// directory) and reused by later runs: tests only read from it. Built in a scratch directory and
// renamed into place, so concurrent runs never see a half-written store.
async function fixtureStore(S3rver: new (o: object) => any): Promise<{ directory: string; count: number }> {
  const hash = createHash("sha256")
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(readFileSync(fileURLToPath(new URL("./s3-foreign.ts", import.meta.url))))
    .digest("hex")
    .slice(0, 16);
  const directory = path.join(os.tmpdir(), `s3rver-fixtures-${hash}`);
  const marker = path.join(directory, ".complete");
  if (existsSync(marker)) {
    utimesSync(marker, new Date(), new Date()); // in use: see the clean-up below
    return { directory, count: Number(readFileSync(marker, "utf8")) };
  }

  const scratch = `${directory}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(scratch, { recursive: true });
  const builder = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: scratch, configureBuckets: [{ name: BUCKET }, { name: "empty-bucket" }] });
  const { port } = (await builder.run()) as AddressInfo;
  const files = fixtureFiles();
  const foreign = await foreignFixtures();
  files.push(...foreign.files);
  writeFileSync(path.join(scratch, ".foreign-expected.json"), JSON.stringify(foreign.expected));
  try {
    const writer = new AwsClient({ accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY, service: "s3", region: "us-east-1", retries: 0 });
    const queue = [...files];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          const body = typeof f.body === "function" ? f.body() : f.body;
          const r = await writer.fetch(`http://127.0.0.1:${port}/${BUCKET}/${encodeKey(f.key)}`, { method: "PUT", body });
          if (!r.ok) throw new Error(`fixture upload ${f.key} failed: ${r.status} ${await r.text()}`);
          await r.arrayBuffer();
        }
      }),
    );
  } finally {
    await builder.close();
  }
  writeFileSync(path.join(scratch, ".complete"), String(files.length));
  try {
    renameSync(scratch, directory);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another run finished first
  }
  // stores of earlier versions of this file are ~170 MB each: remove those unused for an hour (a run
  // of another version of this file, in another checkout, may be reading a newer one right now)
  for (const name of readdirSync(os.tmpdir())) {
    const other = path.join(os.tmpdir(), name);
    if (/^s3rver-fixtures-[0-9a-f]{16}$/.test(name) && other !== directory && Date.now() - lastUse(other) > 3600_000) {
      rmSync(other, { recursive: true, force: true });
    }
  }
  return { directory, count: files.length };
}

// When a store was last built or reused (its marker is touched on every reuse).
function lastUse(directory: string) {
  const marker = path.join(directory, ".complete");
  return (existsSync(marker) ? statSync(marker) : statSync(directory)).mtimeMs;
}

function encodeKey(key: string) {
  return key
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

function errorXml(code: string, message: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString("hex").toUpperCase()}</RequestId></Error>`;
}

const xmlUnescape = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

// What S3 does with encoding-type=url: Key, Prefix, Delimiter, StartAfter form-URL-encoded (space as +).
function urlEncodeListing(xml: string) {
  const enc = (v: string) => encodeURIComponent(xmlUnescape(v)).replace(/%20/g, "+").replace(/%2F/g, "/");
  const out = xml.replace(/<(Key|Prefix|Delimiter|StartAfter)>([^<]*)<\/\1>/g, (_, tag, v) => `<${tag}>${enc(v)}</${tag}>`);
  return out.replace(/<\/Name>/, "</Name><EncodingType>url</EncodingType>");
}

// ---- fixture generation ---------------------------------------------------------------------------

type Fixture = { key: string; body: Uint8Array | string | (() => Uint8Array) };


const compressors = {
  GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)),
  ZSTD: (b: Uint8Array) => new Uint8Array(zlib.zstdCompressSync(b)),
};

// The "types" file: logical and nested types, one file per codec.
export const TYPES_ROWS = 200;
function typesParquet(codec: "SNAPPY" | "GZIP" | "ZSTD" | "UNCOMPRESSED") {
  const n = TYPES_ROWS;
  const ids: bigint[] = [];
  const amounts: (bigint | null)[] = [];
  const prices: number[] = [];
  const names: (string | null)[] = [];
  const active: boolean[] = [];
  const days: (Date | null)[] = [];
  const ts: (bigint | null)[] = [];
  const tags: (string[] | null)[] = [];
  const addr: ({ city: string | null; zip: number | null } | null)[] = [];
  const attrs: (Record<string, string> | null)[] = [];
  const payload: (Uint8Array | null)[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(BigInt(i + 1) * 1000000007n);
    amounts.push(i % 10 === 9 ? null : BigInt(i * 101 - 50));
    prices.push(i + 0.5);
    names.push(i % 7 === 6 ? null : `name ${i} ü`);
    active.push(i % 2 === 0);
    days.push(i % 11 === 10 ? null : new Date(Date.UTC(2024, 0, 1 + i)));
    ts.push(i % 13 === 12 ? null : BigInt(Date.UTC(2024, 4, 18, 17, 20, 21) + i * 1000) * 1000n);
    tags.push(i % 5 === 4 ? null : Array.from({ length: i % 3 }, (_, j) => `t${j}`));
    addr.push(i % 6 === 5 ? null : { city: `city-${i % 4}`, zip: 10000 + i });
    attrs.push(i % 8 === 7 ? null : { k: `v${i}`, [`x${i % 2}`]: "y" });
    payload.push(i % 9 === 8 ? null : new Uint8Array([i & 255, 1, 2, 3]));
  }
  return parquetWriteBuffer({
    codec,
    compressors,
    rowGroupSize: 100,
    columnData: [
      { name: "id", data: ids },
      { name: "amount", data: amounts },
      { name: "price", data: prices },
      { name: "name", data: names },
      { name: "active", data: active },
      { name: "day", data: days },
      { name: "ts", data: ts },
      { name: "tags", data: tags },
      { name: "addr", data: addr },
      { name: "attrs", data: attrs },
      { name: "payload", data: payload },
    ] as never,
    schema: [
      { name: "root", num_children: 11 },
      { name: "id", type: "INT64", repetition_type: "REQUIRED" },
      {
        name: "amount",
        type: "INT64",
        repetition_type: "OPTIONAL",
        converted_type: "DECIMAL",
        scale: 2,
        precision: 18,
        logical_type: { type: "DECIMAL", scale: 2, precision: 18 },
      },
      { name: "price", type: "DOUBLE", repetition_type: "REQUIRED" },
      { name: "name", type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: "OPTIONAL" },
      { name: "active", type: "BOOLEAN", repetition_type: "REQUIRED" },
      { name: "day", type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" }, repetition_type: "OPTIONAL" },
      {
        name: "ts",
        type: "INT64",
        repetition_type: "OPTIONAL",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
      },
      { name: "tags", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "addr", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "city", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "zip", type: "INT32", repetition_type: "OPTIONAL" },
      { name: "attrs", repetition_type: "OPTIONAL", converted_type: "MAP", num_children: 1 },
      { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
      { name: "key", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "value", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      { name: "payload", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
    ] as never,
  });
}

// ~55 MB, ONE row group, small footer: a preview must read only a prefix of each column chunk.
function bigParquet() {
  const n = 1_400_000;
  const r = rng(42);
  const id = new BigInt64Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const code = new Int32Array(n);
  const label: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    id[i] = BigInt(i);
    x[i] = r();
    y[i] = r() * 1e6;
    code[i] = Math.floor(r() * 2 ** 31);
    label[i] = `row-${i}-${Math.floor(r() * 1e9).toString(36)}`;
  }
  return parquetWriteBuffer({
    codec: "UNCOMPRESSED",
    rowGroupSize: n,
    columnData: [
      { name: "id", data: id, type: "INT64" },
      { name: "x", data: x, type: "DOUBLE" },
      { name: "y", data: y, type: "DOUBLE" },
      { name: "code", data: code, type: "INT32" },
      { name: "label", data: label, type: "STRING", encoding: "PLAIN" },
    ] as never,
  });
}

// ~53 MB, 60 columns x 110 row groups: the footer is far larger than 64 KB.
export const WIDE_COLUMNS = 60;
export const WIDE_ROWS = 130_000;
export const WIDE_ROW_GROUP = 1000;
function wideParquet() {
  const r = rng(7);
  const columnData = Array.from({ length: WIDE_COLUMNS }, (_, c) => {
    const data = new Float64Array(WIDE_ROWS);
    for (let i = 0; i < WIDE_ROWS; i++) data[i] = c === 0 ? i : r();
    return { name: `c${String(c).padStart(3, "0")}`, data, type: "DOUBLE" };
  });
  return parquetWriteBuffer({ codec: "SNAPPY", rowGroupSize: WIDE_ROW_GROUP, columnData: columnData as never });
}

// 40 columns, one row group of ~6.4 MB: read whole in one request rather than one per column.
function manyColumnsParquet() {
  const r = rng(11);
  const rows = 20_000;
  const columnData = Array.from({ length: 40 }, (_, c) => {
    const data = new Float64Array(rows);
    for (let i = 0; i < rows; i++) data[i] = c === 0 ? i : r();
    return { name: `m${c}`, data, type: "DOUBLE" };
  });
  return parquetWriteBuffer({ codec: "UNCOMPRESSED", rowGroupSize: rows, columnData: columnData as never });
}

function cached(name: string, make: () => Uint8Array | ArrayBuffer): () => Uint8Array {
  return () => {
    const dir = path.join(os.tmpdir(), "s3-fixture-cache");
    mkdirSync(dir, { recursive: true });
    const version = createHash("sha256").update(`${FIXTURE_VERSION}\n${make.toString()}`).digest("hex").slice(0, 12);
    const file = path.join(dir, `${version}-${name}`);
    if (existsSync(file)) return new Uint8Array(readFileSync(file));
    const bytes = new Uint8Array(make());
    writeFileSync(file, bytes);
    return bytes;
  };
}

export const CSV_ROWS = 50;
function simpleCsv(delim = ",") {
  const lines = [["id", "amount", "active", "day", "seen_at", "name"].join(delim)];
  for (let i = 1; i <= CSV_ROWS; i++) {
    lines.push([i, `${i}.${String(i % 100).padStart(2, "0")}`, i % 2 ? "true" : "false", `2024-01-${String((i % 28) + 1).padStart(2, "0")}`, `2024-01-02T03:04:${String(i % 60).padStart(2, "0")}Z`, `name ${i}`].join(delim));
  }
  return lines.join("\n") + "\n";
}

function bigCsv(rows: number) {
  const r = rng(3);
  const out: string[] = ["id,value,flag,label"];
  for (let i = 1; i <= rows; i++) out.push(`${i},${(r() * 1000).toFixed(3)},${i % 3 === 0},"label ${i}, quoted"`);
  return out.join("\n") + "\n";
}

function ndjson(rows: number) {
  const out: string[] = [];
  for (let i = 1; i <= rows; i++) {
    out.push(JSON.stringify({ id: i, user: `u${i}`, score: i + 0.25, ok: i % 2 === 0, at: `2024-02-03T04:05:${String(i % 60).padStart(2, "0")}Z`, tags: ["a", "b"], meta: { n: i } }));
  }
  return out.join("\n") + "\n";
}

export function fixtureFiles(): Fixture[] {
  const typesSnappy = typesParquet("SNAPPY");
  const enc = (s: string) => new TextEncoder().encode(s);
  const files: Fixture[] = [
    { key: "data/parquet/types-snappy.parquet", body: new Uint8Array(typesSnappy) },
    { key: "data/parquet/types-gzip.parquet", body: new Uint8Array(typesParquet("GZIP")) },
    { key: "data/parquet/types-zstd.parquet", body: new Uint8Array(typesParquet("ZSTD")) },
    { key: "data/parquet/types-none.parquet", body: new Uint8Array(typesParquet("UNCOMPRESSED")) },
    // no extension: detected from the magic bytes
    { key: "data/parquet/part-00000", body: new Uint8Array(typesSnappy) },
    { key: "data/parquet/truncated.parquet", body: new Uint8Array(typesSnappy).slice(0, Math.floor(typesSnappy.byteLength / 2)) },
    { key: "data/parquet/not-really.parquet", body: "id,name\n1,this is text\n" },
    { key: "data/parquet/corrupt-footer.parquet", body: corruptFooter(new Uint8Array(typesSnappy)) },
    { key: "data/big/big.parquet", body: cached("big.parquet", bigParquet) },
    { key: "data/big/wide.parquet", body: cached("wide.parquet", wideParquet) },
    { key: "data/big/many-columns.parquet", body: cached("many-columns.parquet", manyColumnsParquet) },
    { key: "data/csv/simple.csv", body: simpleCsv() },
    { key: "data/csv/semicolon-bom.csv", body: "\uFEFF" + simpleCsv(";") },
    { key: "data/csv/tabs.tsv", body: simpleCsv("\t") },
    { key: "data/csv/pipes.psv", body: simpleCsv("|") },
    {
      key: "data/csv/quoted.csv",
      body: 'id,comment,price\r\n1,"hello, world",1.5\r\n2,"line one\r\nline two",2.25\r\n3,"she said ""hi""",3\r\n4,,4.75\r\n',
    },
    { key: "data/csv/noheader.csv", body: "1,2.5,true\n2,3.5,false\n3,4.5,true\n" },
    { key: "data/csv/big.csv", body: bigCsv(200_000) },
    { key: "data/csv/simple.csv.gz", body: new Uint8Array(zlib.gzipSync(simpleCsv())) },
    { key: "data/csv/big.csv.gz", body: new Uint8Array(zlib.gzipSync(bigCsv(400_000))) },
    { key: "data/json/events.ndjson", body: ndjson(100) },
    { key: "data/json/big.ndjson", body: ndjson(20_000) },
    { key: "data/json/events.ndjson.gz", body: new Uint8Array(zlib.gzipSync(ndjson(5000))) },
    { key: "data/json/array.json", body: JSON.stringify(JSON.parse(`[${ndjson(30).trim().split("\n").join(",")}]`), null, 2) },
    { key: "data/json/big-array.json", body: `[${ndjson(5000).trim().split("\n").join(",\n")}]` },
    { key: "data/empty.csv", body: new Uint8Array(0) },
    { key: "data/bin/random.bin", body: binaryNoise() },
    { key: "data/odd/with space.csv", body: "a,b\n1,2\n" },
    { key: "data/odd/ünïcödé-日本.csv", body: "a,b\n1,2\n" },
    { key: "data/odd/a+b=c.csv", body: "a,b\n1,2\n" },
    { key: "data/odd/100% sure & (x).csv", body: "a,b\n1,2\n" },
    { key: "outside-root.txt", body: "not under data/\n" },
  ];
  for (let i = 0; i < 1105; i++) files.push({ key: `data/many/k-${String(i).padStart(5, "0")}.txt`, body: `${i}\n` });
  return files;
}

function corruptFooter(bytes: Uint8Array) {
  const out = bytes.slice();
  const len = new DataView(out.buffer).getUint32(out.length - 8, true);
  // scramble the thrift footer but keep its length and the PAR1 magic
  const h = createHash("sha256").update("corrupt").digest();
  for (let i = out.length - 8 - len; i < out.length - 8; i++) out[i] = h[i % h.length]! ^ 0xa5;
  return out;
}

function binaryNoise() {
  const r = rng(9);
  const out = new Uint8Array(4096);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(r() * 256);
  out[0] = 0x00;
  out[1] = 0x01;
  out[2] = 0xfe;
  return out;
}
