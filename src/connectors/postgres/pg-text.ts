// Parsing of PostgreSQL's text output formats (no runtime dependencies; also used by the test servers).

export type ArrayValue = string | null | ArrayValue[];

/**
 * Parses an array literal such as `{1,2,NULL}`, `{{1,2},{3,4}}`, `{"a b","q\"t",NULL,"NULL"}` or
 * `[0:1]={7,8}` into nested arrays of element texts (null for an unquoted NULL).
 */
export function parseArrayLiteral(text: string, delimiter = ","): ArrayValue[] {
  let i = 0;
  if (text[0] === "[") {
    const eq = text.indexOf("=");
    if (eq < 0) throw new Error("invalid array literal");
    i = eq + 1;
  }
  const parseLevel = (): ArrayValue[] => {
    if (text[i] !== "{") throw new Error("invalid array literal");
    i++;
    const out: ArrayValue[] = [];
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      const c = text[i];
      if (c === "{") {
        out.push(parseLevel());
      } else if (c === '"') {
        i++;
        let value = "";
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\") i++;
          value += text[i] ?? "";
          i++;
        }
        i++; // closing quote
        out.push(value);
      } else {
        let end = i;
        while (end < text.length && text[end] !== delimiter && text[end] !== "}") end++;
        const raw = text.slice(i, end).trim();
        out.push(raw.toUpperCase() === "NULL" ? null : raw);
        i = end;
      }
      const next = text[i];
      if (next === delimiter) {
        i++;
        continue;
      }
      if (next === "}") {
        i++;
        return out;
      }
      throw new Error("invalid array literal");
    }
  };
  return parseLevel();
}

/** Hex bytea output (`\x0001ff`) to base64; escape-format output is decoded too. */
export function byteaToBase64(text: string): string {
  let bytes: Uint8Array;
  if (text.startsWith("\\x")) {
    const hex = text.slice(2);
    bytes = new Uint8Array(hex.length / 2);
    for (let j = 0; j < bytes.length; j++) bytes[j] = parseInt(hex.substr(j * 2, 2), 16);
  } else {
    const out: number[] = [];
    for (let j = 0; j < text.length; j++) {
      if (text[j] === "\\") {
        if (text[j + 1] === "\\") {
          out.push(92);
          j++;
        } else {
          out.push(parseInt(text.substr(j + 1, 3), 8));
          j += 3;
        }
      } else out.push(text.charCodeAt(j));
    }
    bytes = Uint8Array.from(out);
  }
  let binary = "";
  for (let j = 0; j < bytes.length; j += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(j, j + 0x8000));
  }
  return btoa(binary);
}

const zone = (z: string) => (z === "+00" || z === "+00:00" ? "Z" : /^[+-]\d\d$/.test(z) ? `${z}:00` : z);

/** `2024-02-29 13:45:30.5` -> `2024-02-29T13:45:30.5`; `...+00` -> `...Z`; `+05` -> `+05:00`. BC/infinity unchanged. */
export function timestampToIso(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d){0,2})?$/.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}${m[3] ? zone(m[3]) : ""}`;
}

/** `13:45:30+02` -> `13:45:30+02:00`. */
export function timetzToIso(text: string): string {
  const m = /^(\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d){0,2})$/.exec(text);
  return m ? `${m[1]}${zone(m[2]!)}` : text;
}
