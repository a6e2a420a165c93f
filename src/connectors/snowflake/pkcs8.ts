import { ConnectorError } from "../errors";

// Turns a PEM private key into PKCS#8 DER that WebCrypto can import.
// - `PRIVATE KEY` (PKCS#8): as is.
// - `RSA PRIVATE KEY` (PKCS#1, unencrypted): wrapped into PKCS#8.
// - `ENCRYPTED PRIVATE KEY` (PKCS#8 PBES2): PBKDF2 (HMAC-SHA1/256/384/512) + AES-128/256-CBC, decrypted
//   with WebCrypto. scrypt and the legacy PBES1 schemes are refused with a clear message.
// Messages never include key material or the passphrase.

const bad = (message: string) => new ConnectorError("auth_failed", message);

type Node = { tag: number; start: number; len: number; end: number; bytes: Uint8Array };

function readNode(buf: Uint8Array, pos: number): Node {
  const tag = buf[pos];
  let lenByte = buf[pos + 1];
  if (tag === undefined || lenByte === undefined) throw bad("The private key is not valid DER.");
  let p = pos + 2;
  let len = lenByte;
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f;
    if (n === 0 || n > 4) throw bad("The private key is not valid DER.");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] ?? 0);
  }
  const end = p + len;
  if (end > buf.length) throw bad("The private key is not valid DER.");
  return { tag, start: p, len, end, bytes: buf.subarray(p, end) };
}

function children(buf: Uint8Array, node: Node): Node[] {
  const out: Node[] = [];
  let p = node.start;
  while (p < node.end) {
    const c = readNode(buf, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

function oid(node: Node): string {
  const b = node.bytes;
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

function uint(node: Node): number {
  let v = 0;
  for (const x of node.bytes) v = v * 256 + x;
  return v;
}

function encodeLength(len: number): number[] {
  if (len < 0x80) return [len];
  const out: number[] = [];
  while (len > 0) {
    out.unshift(len & 0xff);
    len = Math.floor(len / 256);
  }
  return [0x80 | out.length, ...out];
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const head = [tag, ...encodeLength(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// AlgorithmIdentifier { rsaEncryption, NULL }
const RSA_ALG_ID = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);

function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  return tlv(0x30, concat(new Uint8Array([0x02, 0x01, 0x00]), RSA_ALG_ID, tlv(0x04, pkcs1)));
}

function pemBody(pem: string, label: string): Uint8Array | null {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m) return null;
  const body = m[1]!;
  if (/Proc-Type:/i.test(body)) {
    throw bad(
      "Encrypted PKCS#1 keys (Proc-Type headers) are not supported; convert the key to PKCS#8 with `openssl pkcs8 -topk8 -v2 aes-256-cbc`.",
    );
  }
  const b64 = body.replace(/\s+/g, "");
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw bad(`The ${label} PEM block is not valid base64.`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const PRF: Record<string, string> = {
  "1.2.840.113549.2.7": "SHA-1",
  "1.2.840.113549.2.9": "SHA-256",
  "1.2.840.113549.2.10": "SHA-384",
  "1.2.840.113549.2.11": "SHA-512",
};
const AES_CBC: Record<string, number> = {
  "2.16.840.1.101.3.4.1.2": 16,
  "2.16.840.1.101.3.4.1.22": 24,
  "2.16.840.1.101.3.4.1.42": 32,
};

async function decryptPkcs8(der: Uint8Array, passphrase: string | undefined): Promise<Uint8Array> {
  if (!passphrase) throw bad("The private key is encrypted; a passphrase is required.");
  const top = children(der, readNode(der, 0));
  const algId = top[0] ? children(der, top[0]) : [];
  const data = top[1];
  if (!algId[0] || !data || data.tag !== 0x04) throw bad("The encrypted private key is not valid PKCS#8.");
  const scheme = oid(algId[0]);
  if (scheme !== "1.2.840.113549.1.5.13") {
    throw bad(
      "The encrypted private key uses a legacy PBES1 scheme; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc` (PBES2).",
    );
  }
  const [kdf, enc] = children(der, algId[1]!);
  const [kdfOid, kdfParams] = kdf ? children(der, kdf) : [];
  if (!kdfOid || oid(kdfOid) !== "1.2.840.113549.1.5.12" || !kdfParams) {
    throw bad("The encrypted private key uses a key derivation other than PBKDF2 (e.g. scrypt), which is not supported; use PBKDF2.");
  }
  const kp = children(der, kdfParams);
  const salt = kp[0]!.bytes;
  const iterations = uint(kp[1]!);
  let hash = "SHA-1";
  for (const extra of kp.slice(2)) {
    if (extra.tag === 0x30) {
      const prfOid = oid(children(der, extra)[0]!);
      const h = PRF[prfOid];
      if (!h) throw bad("The encrypted private key uses an unsupported PBKDF2 hash.");
      hash = h;
    }
  }
  const [encOid, ivNode] = enc ? children(der, enc) : [];
  const keyLen = encOid ? AES_CBC[oid(encOid)] : undefined;
  if (!keyLen || !ivNode) throw bad("The encrypted private key uses a cipher other than AES-CBC, which is not supported.");
  if (keyLen === 24) throw bad("AES-192 encrypted keys are not supported by WebCrypto; use aes-256-cbc.");
  try {
    const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "PBKDF2", salt, iterations, hash },
      base,
      { name: "AES-CBC", length: keyLen * 8 },
      false,
      ["decrypt"],
    );
    const plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv: ivNode.bytes }, key, data.bytes);
    return new Uint8Array(plain);
  } catch {
    throw bad("The private key could not be decrypted: wrong passphrase or damaged key.");
  }
}

export async function pemToPkcs8(pem: string, passphrase?: string): Promise<Uint8Array> {
  const encrypted = pemBody(pem, "ENCRYPTED PRIVATE KEY");
  if (encrypted) return decryptPkcs8(encrypted, passphrase);
  const plain = pemBody(pem, "PRIVATE KEY");
  if (plain) return plain;
  const pkcs1 = pemBody(pem, "RSA PRIVATE KEY");
  if (pkcs1) return pkcs1ToPkcs8(pkcs1);
  throw bad("The private key must be a PEM block (BEGIN PRIVATE KEY, BEGIN ENCRYPTED PRIVATE KEY or BEGIN RSA PRIVATE KEY).");
}
