import { toBase64Url, utf8 } from "../src/lib/encoding";

// Signs test JWTs with WebCrypto, as a real identity provider would.
export const HS_SECRET = "test-hs256-secret-that-is-long-enough-0123456789";

const b64json = (v: unknown) => toBase64Url(utf8.encode(JSON.stringify(v)));

export function claims(extra: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: "https://issuer.test", aud: "connections-api", exp: now + 600, iat: now, scope: "write", ...extra };
}

export async function signHs256(payload: Record<string, unknown>, secret = HS_SECRET) {
  const head = b64json({ alg: "HS256", typ: "JWT" });
  const body = b64json(payload);
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = await crypto.subtle.sign("HMAC", key, utf8.encode(`${head}.${body}`));
  return `${head}.${body}.${toBase64Url(new Uint8Array(sig))}`;
}

export async function signWithJwk(alg: "RS256" | "ES256", kid: string, privateJwk: JsonWebKey, payload: Record<string, unknown>) {
  const head = b64json({ alg, typ: "JWT", kid });
  const body = b64json(payload);
  const params = alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
  const key = await crypto.subtle.importKey("jwk", privateJwk, params, false, ["sign"]);
  const signParams = alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" };
  const sig = await crypto.subtle.sign(signParams, key, utf8.encode(`${head}.${body}`));
  return `${head}.${body}.${toBase64Url(new Uint8Array(sig))}`;
}
