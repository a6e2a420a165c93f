// Text encodings as users' files have them: UTF-8 with or without a BOM, UTF-16 (LE/BE) with a BOM,
// and, for bytes that are not valid UTF-8, Windows-1252 (a superset of Latin-1's printable range:
// every Latin-1 text file decodes the same, and the 0x80-0x9F bytes that Windows writes for € “ ” – are
// read as those characters). Decoders are ours: a few lines each, the same in every runtime.

export type TextEncoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";

export type Detected = { encoding: TextEncoding; bom: number }; // bom: its length in bytes (0 when none)

// Whether bytes are valid UTF-8, leaving out a character cut at the very end.
function validUtf8(bytes: Uint8Array): boolean {
  let end = bytes.length;
  for (let k = 1; k <= 3 && end - k >= 0; k++) {
    const b = bytes[end - k]!;
    if ((b & 0xc0) === 0xc0) {
      end -= k;
      break;
    }
    if ((b & 0x80) === 0) break;
  }
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

// The encoding of a file from its first bytes.
export function detectEncoding(head: Uint8Array): Detected {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: "utf-8", bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: "utf-16le", bom: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: "utf-16be", bom: 2 };
  return { encoding: validUtf8(head.subarray(0, 64 * 1024)) ? "utf-8" : "windows-1252", bom: 0 };
}

// Windows-1252's 0x80-0x9F; the five bytes it leaves undefined keep their Latin-1 (C1) meaning.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

export type StreamDecoder = { decode(chunk: Uint8Array, stream: boolean): string };

export function decoderFor(encoding: TextEncoding): StreamDecoder {
  if (encoding === "utf-8") {
    const d = new TextDecoder("utf-8", { ignoreBOM: true, fatal: false });
    return { decode: (chunk, stream) => d.decode(chunk, { stream }) };
  }
  if (encoding === "windows-1252") {
    return {
      decode(chunk) {
        let s = "";
        for (let i = 0; i < chunk.length; i += 0x4000) {
          const part = Array.from(chunk.subarray(i, i + 0x4000), (b) => (b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80]! : b));
          s += String.fromCharCode(...part);
        }
        return s;
      },
    };
  }
  // UTF-16: code units from byte pairs (an odd byte waits for the next chunk); surrogate pairs are
  // kept as JS strings keep them
  const little = encoding === "utf-16le";
  let carry: number | null = null;
  return {
    decode(chunk, stream) {
      let bytes = chunk;
      if (carry !== null) {
        bytes = new Uint8Array(chunk.length + 1);
        bytes[0] = carry;
        bytes.set(chunk, 1);
      }
      carry = null;
      const units = Math.floor(bytes.length / 2);
      let s = "";
      const codes: number[] = [];
      for (let i = 0; i < units; i++) {
        const a = bytes[2 * i]!;
        const b = bytes[2 * i + 1]!;
        codes.push(little ? a | (b << 8) : (a << 8) | b);
        if (codes.length === 0x4000) s += String.fromCharCode(...codes.splice(0));
      }
      s += String.fromCharCode(...codes);
      if (bytes.length % 2) {
        if (stream) carry = bytes[bytes.length - 1]!;
        else s += "\ufffd";
      }
      return s;
    },
  };
}
