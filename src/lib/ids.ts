import { toBase64Url } from "./encoding";

// Prefixed opaque ids: a millisecond timestamp (so ids sort by creation) and 80 random bits.
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

function base36(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += ALPHABET[b % 36];
  return s;
}

export type IdPrefix = "ws" | "key" | "conn" | "cred" | "pipe";

export function newId(prefix: IdPrefix): string {
  const time = Date.now().toString(36).padStart(9, "0");
  return `${prefix}_${time}${base36(crypto.getRandomValues(new Uint8Array(12)))}`;
}

export function idPattern(prefix: IdPrefix): RegExp {
  return new RegExp(`^${prefix}_[0-9a-z]{21}$`);
}

export const randomToken = (bytes = 32) => toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
