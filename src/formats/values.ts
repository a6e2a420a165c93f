// Values made JSON-safe for a RowSet: 64-bit integers and decimals as strings, dates as ISO-8601,
// binary as base64, non-finite floats as strings; nested arrays and objects converted throughout.

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function jsonSafe(v: unknown, asDecimal = false): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
      if (!Number.isFinite(v)) return String(v);
      return asDecimal ? String(v) : v;
    case "string":
    case "boolean":
      return v;
    case "object":
      break;
    default:
      return String(v);
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return base64(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => jsonSafe(x));
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, asDecimal));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonSafe(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = jsonSafe(x);
  return out;
}

// A typed value from CSV text for a column of the given inferred type.
export function fromText(raw: string | undefined, type: string): unknown {
  if (raw === undefined) return null;
  const s = raw.trim();
  if (s === "") return null;
  switch (type) {
    case "integer": {
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : s.replace(/^\+/, "");
    }
    case "float": {
      const n = Number(s);
      return Number.isFinite(n) ? n : s;
    }
    case "boolean":
      return s.toLowerCase() === "true";
    default:
      return type === "string" ? raw : s; // decimals, dates and timestamps keep their exact text
  }
}
