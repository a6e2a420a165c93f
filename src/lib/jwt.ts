import { ApiError, unauthorized as challenge } from "./errors";
import { fromBase64Url, fromUtf8, utf8 } from "./encoding";

// JWT verification with WebCrypto: HS256 with a shared secret, RS256/ES256 against a JWKS URL.
export type JwtConfig = { hs256Secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
export type JwtClaims = Record<string, unknown>;

const unauthorized = (message: string) => challenge(message, "invalid_token");

type Jwk = JsonWebKey & { kid?: string; alg?: string };
const JWKS_TTL_MS = 10 * 60 * 1000;
const jwksCache = new Map<string, { at: number; keys: Jwk[] }>();
const hmacCache = new Map<string, Promise<CryptoKey>>();

async function fetchJwks(url: string, fetcher: typeof fetch, force = false): Promise<Jwk[]> {
  const hit = jwksCache.get(url);
  if (hit && !force && Date.now() - hit.at < JWKS_TTL_MS) return hit.keys;
  const res = await fetcher(url, { headers: { accept: "application/json" }, redirect: "manual" });
  if (res.status !== 200) throw new ApiError(503, "jwks_unavailable", "The JWKS used to verify tokens could not be loaded");
  const body = (await res.json()) as { keys?: Jwk[] };
  const keys = Array.isArray(body.keys) ? body.keys : [];
  jwksCache.set(url, { at: Date.now(), keys });
  return keys;
}

type ImportAlg = Parameters<typeof crypto.subtle.importKey>[2];
type VerifyAlg = Parameters<typeof crypto.subtle.verify>[0];

function importParams(alg: string): ImportAlg {
  return alg === "RS256"
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
    : { name: "ECDSA", namedCurve: "P-256" };
}

function verifyParams(alg: string): VerifyAlg {
  return alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" };
}

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    hmacCache.set(secret, key);
  }
  return key;
}

export async function verifyJwt(token: string, cfg: JwtConfig, fetcher: typeof fetch = (input, init) => fetch(input, init)): Promise<JwtClaims> {
  const parts = token.split(".");
  if (parts.length !== 3) throw unauthorized("The token is not a JWT");
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string; kid?: string; typ?: string };
  let claims: JwtClaims;
  let signature: Uint8Array;
  try {
    header = JSON.parse(fromUtf8.decode(fromBase64Url(h)));
    claims = JSON.parse(fromUtf8.decode(fromBase64Url(p)));
    signature = fromBase64Url(s);
  } catch {
    throw unauthorized("The token is malformed");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw unauthorized("The token is malformed");
  const signed = utf8.encode(`${h}.${p}`);
  const alg = header.alg;

  let valid = false;
  if (alg === "HS256") {
    if (!cfg.hs256Secret) throw unauthorized("HS256 tokens are not accepted");
    valid = await crypto.subtle.verify("HMAC", await hmacKey(cfg.hs256Secret), signature, signed);
  } else if (alg === "RS256" || alg === "ES256") {
    if (!cfg.jwksUrl) throw unauthorized(`${alg} tokens are not accepted`);
    valid = await verifyWithJwks(alg, header.kid, signature, signed, cfg.jwksUrl, fetcher);
  } else {
    throw unauthorized("The token's algorithm is not accepted");
  }
  if (!valid) throw unauthorized("The token's signature is invalid");
  checkClaims(claims, cfg);
  return claims;
}

async function verifyWithJwks(
  alg: string,
  kid: string | undefined,
  signature: Uint8Array,
  signed: Uint8Array,
  url: string,
  fetcher: typeof fetch,
): Promise<boolean> {
  const pick = (keys: Jwk[]) =>
    keys.filter((k) => (kid ? k.kid === kid : true) && (!k.alg || k.alg === alg) && k.kty === (alg === "RS256" ? "RSA" : "EC"));
  let candidates = pick(await fetchJwks(url, fetcher));
  // An unknown kid may mean the issuer rotated keys: refresh the cache once.
  if (candidates.length === 0 && kid) candidates = pick(await fetchJwks(url, fetcher, true));
  for (const jwk of candidates) {
    try {
      const key = await crypto.subtle.importKey("jwk", jwk, importParams(alg), false, ["verify"]);
      if (await crypto.subtle.verify(verifyParams(alg), key, signature, signed)) return true;
    } catch {
      // a malformed key in the set is skipped
    }
  }
  return false;
}

function checkClaims(claims: JwtClaims, cfg: JwtConfig) {
  const now = Math.floor(Date.now() / 1000);
  const skew = 60;
  if (typeof claims.exp !== "number") throw unauthorized("The token has no expiry");
  if (claims.exp + skew <= now) throw unauthorized("The token has expired");
  if (typeof claims.nbf === "number" && claims.nbf - skew > now) throw unauthorized("The token is not valid yet");
  if (cfg.issuer && claims.iss !== cfg.issuer) throw unauthorized("The token's issuer is not accepted");
  if (cfg.audience) {
    const aud = claims.aud;
    const ok = Array.isArray(aud) ? aud.includes(cfg.audience) : aud === cfg.audience;
    if (!ok) throw unauthorized("The token's audience is not accepted");
  }
}
