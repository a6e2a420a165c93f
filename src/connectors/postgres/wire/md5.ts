import { toHex, utf8 } from "./bytes";

// MD5 (RFC 1321), only for PostgreSQL's legacy "md5" password authentication: WebCrypto has no MD5.

const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

export function md5(input: Uint8Array): Uint8Array {
  const bitLen = input.length * 8;
  // Message, 0x80, zero padding to 56 mod 64, then the bit length as a 64-bit little-endian integer.
  const total = (((input.length + 8) >> 6) + 1) << 6;
  const data = new Uint8Array(total);
  data.set(input);
  data[input.length] = 0x80;
  const dv = new DataView(data.buffer);
  dv.setUint32(total - 8, bitLen >>> 0, true);
  dv.setUint32(total - 4, Math.floor(bitLen / 2 ** 32), true);

  let a0 = 0x67452301,
    b0 = 0xefcdab89,
    c0 = 0x98badcfe,
    d0 = 0x10325476;
  const M = new Uint32Array(16);
  for (let off = 0; off < total; off += 64) {
    for (let j = 0; j < 16; j++) M[j] = dv.getUint32(off + j * 4, true);
    let a = a0,
      b = b0,
      c = c0,
      d = d0;
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      let f: number, g: number;
      if (round === 0) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (round === 1) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (round === 2) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const s = S[(round << 2) | (i & 3)]!;
      const x = (a + f + K[i]! + M[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer);
  ov.setUint32(0, a0 >>> 0, true);
  ov.setUint32(4, b0 >>> 0, true);
  ov.setUint32(8, c0 >>> 0, true);
  ov.setUint32(12, d0 >>> 0, true);
  return out;
}

export const md5Hex = (s: string | Uint8Array): string => toHex(md5(typeof s === "string" ? utf8(s) : s));

/** The md5 password message: "md5" + md5(md5(password + user) + salt), all in lowercase hex. */
export function md5Password(user: string, password: string, salt: Uint8Array): string {
  const inner = utf8(md5Hex(password + user));
  const salted = new Uint8Array(inner.length + salt.length);
  salted.set(inner);
  salted.set(salt, inner.length);
  return "md5" + md5Hex(salted);
}
