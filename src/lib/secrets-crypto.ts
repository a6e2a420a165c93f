import { ApiError } from "./errors";
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from "./encoding";

// AES-256-GCM envelopes for credential secrets. The workspace and record id are bound as additional
// data, so a ciphertext copied onto another record or workspace does not decrypt.
export type KeyRing = { currentId: string; keys: Map<string, CryptoKey>; macKeys: Map<string, CryptoKey> };

const ringCache = new Map<string, Promise<KeyRing>>();

// ENCRYPTION_KEYS is "id:base64key,id:base64key"; the last entry is the one new writes use.
export function loadKeyRing(spec: string | undefined): Promise<KeyRing> {
  if (!spec) throw new ApiError(500, "encryption_not_configured", "ENCRYPTION_KEYS is not set");
  let ring = ringCache.get(spec);
  if (!ring) {
    ring = parseKeyRing(spec);
    ringCache.set(spec, ring);
    ring.catch(() => ringCache.delete(spec));
  }
  return ring;
}

async function parseKeyRing(spec: string): Promise<KeyRing> {
  const keys = new Map<string, CryptoKey>();
  const macKeys = new Map<string, CryptoKey>();
  let currentId = "";
  for (const entry of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [id, material] = entry.split(":");
    if (!id || !material || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error("ENCRYPTION_KEYS entry is malformed");
    const raw = fromBase64Url(material.replace(/=+$/, ""));
    if (raw.length !== 32) throw new Error(`ENCRYPTION_KEYS key ${id} is not 32 bytes`);
    keys.set(id, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    macKeys.set(id, await deriveMacKey(raw));
    currentId = id;
  }
  if (!currentId) throw new Error("ENCRYPTION_KEYS has no keys");
  return { currentId, keys, macKeys };
}

// A separate HMAC key per ring entry (HKDF-SHA-256 with its own label), so the AES key itself is
// never used for anything but sealing.
async function deriveMacKey(raw: Uint8Array): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8.encode("connections-api/request-fingerprint") },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}

/**
 * A keyed fingerprint of `text` ("<keyId>.<hex HMAC-SHA-256>"), for comparing requests without
 * keeping anything at rest that could be tested against guessed secrets. With `keyId`, that ring
 * entry is used (to compare with a stored fingerprint); null when the ring no longer has it.
 */
export async function keyedFingerprint(ring: KeyRing, text: string, keyId = ring.currentId): Promise<string | null> {
  const key = ring.macKeys.get(keyId);
  if (!key) return null;
  return `${keyId}.${toHex(await crypto.subtle.sign("HMAC", key, utf8.encode(text)))}`;
}

const aad = (workspaceId: string, recordId: string) => utf8.encode(`${workspaceId}/${recordId}`);

export async function sealSecrets(
  ring: KeyRing,
  workspaceId: string,
  recordId: string,
  secrets: Record<string, string>,
): Promise<{ keyId: string; envelope: string }> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = ring.keys.get(ring.currentId)!;
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad(workspaceId, recordId) },
    key,
    utf8.encode(JSON.stringify(secrets)),
  );
  return {
    keyId: ring.currentId,
    envelope: `${ring.currentId}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(data))}`,
  };
}

export async function openSecrets(
  ring: KeyRing,
  workspaceId: string,
  recordId: string,
  envelope: string,
): Promise<Record<string, string>> {
  const [keyId, iv, data] = envelope.split(".");
  const key = keyId ? ring.keys.get(keyId) : undefined;
  if (!key || !iv || !data) {
    throw new ApiError(500, "secret_key_unavailable", "The key that sealed this credential is not configured");
  }
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: aad(workspaceId, recordId) },
      key,
      fromBase64Url(data),
    );
    return JSON.parse(fromUtf8.decode(plain)) as Record<string, string>;
  } catch {
    throw new ApiError(500, "secret_unreadable", "The credential's secrets could not be decrypted");
  }
}
