import { ConnectorError } from "../errors";
import { pemToPkcs8 } from "./pkcs8";

// Key-pair authentication: an RS256 JWT signed with WebCrypto.
//   iss = <ACCOUNT>.<USER>.SHA256:<base64 SHA-256 of the public key's DER SubjectPublicKeyInfo>
//   sub = <ACCOUNT>.<USER>
// Tokens live 59 minutes (Snowflake caps them at one hour) and are reused until five minutes before
// expiry, so a warm isolate signs once an hour per key. The cache is keyed by a hash of the inputs,
// never by the key itself.

export const JWT_LIFETIME_SECONDS = 59 * 60;
export const JWT_REFRESH_MARGIN_SECONDS = 5 * 60;

type Signer = { key: CryptoKey; fingerprint: string };
type Cached = { token: string; iat: number; exp: number };

const signers = new Map<string, Promise<Signer>>();
const tokens = new Map<string, Cached>();
const MAX_ENTRIES = 256;

const enc = new TextEncoder();

function b64(bytes: ArrayBuffer | Uint8Array): string {
  const u = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const x of u) s += String.fromCharCode(x);
  return btoa(s);
}
const b64url = (bytes: ArrayBuffer | Uint8Array) => b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const jsonB64url = (v: unknown) => b64url(enc.encode(JSON.stringify(v)));

async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(s)));
  return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

const ALG = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

async function loadSigner(pem: string, passphrase: string | undefined): Promise<Signer> {
  const der = await pemToPkcs8(pem, passphrase);
  let exportable: CryptoKey;
  try {
    exportable = await crypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"]);
  } catch {
    throw new ConnectorError("auth_failed", "The private key could not be read as an RSA PKCS#8 key.");
  }
  const jwk = (await crypto.subtle.exportKey("jwk", exportable)) as JsonWebKey;
  const pub = await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, ext: true }, ALG, true, ["verify"]);
  const spki = await crypto.subtle.exportKey("spki", pub);
  const fingerprint = `SHA256:${b64(await crypto.subtle.digest("SHA-256", spki as ArrayBuffer))}`;
  const key = await crypto.subtle.importKey("pkcs8", der, ALG, false, ["sign"]);
  return { key, fingerprint };
}

function remember<K, V>(map: Map<K, V>, k: K, v: V) {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as K);
  map.set(k, v);
}

export type KeyPairInput = { jwtAccount: string; user: string; privateKey: string; passphrase?: string };

export class KeyPairJwt {
  private cacheKey: Promise<string>;
  constructor(
    private readonly input: KeyPairInput,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.cacheKey = sha256Hex([input.jwtAccount, input.user, input.privateKey, input.passphrase ?? ""].join("\u0000"));
  }

  private async signer(): Promise<Signer> {
    const k = await this.cacheKey;
    let s = signers.get(k);
    if (!s) {
      s = loadSigner(this.input.privateKey, this.input.passphrase);
      remember(signers, k, s);
      s.catch(() => signers.delete(k));
    }
    return s;
  }

  async fingerprint(): Promise<string> {
    return (await this.signer()).fingerprint;
  }

  // A cached token unless it is within the refresh margin of expiry.
  async token(): Promise<string> {
    const k = await this.cacheKey;
    const nowS = Math.floor(this.now() / 1000);
    const hit = tokens.get(k);
    if (hit && nowS < hit.exp - JWT_REFRESH_MARGIN_SECONDS) return hit.token;
    const { key, fingerprint } = await this.signer();
    const account = this.input.jwtAccount.toUpperCase();
    const user = this.input.user.toUpperCase();
    // After a rejection, never reissue a token with the same iat as the one refused.
    const iat = hit ? Math.max(nowS, hit.iat + 1) : nowS;
    const payload = { iss: `${account}.${user}.${fingerprint}`, sub: `${account}.${user}`, iat, exp: iat + JWT_LIFETIME_SECONDS };
    const signingInput = `${jsonB64url({ alg: "RS256", typ: "JWT" })}.${jsonB64url(payload)}`;
    const sig = await crypto.subtle.sign(ALG, key, enc.encode(signingInput));
    const token = `${signingInput}.${b64url(sig)}`;
    remember(tokens, k, { token, iat, exp: payload.exp });
    return token;
  }

  // Called when Snowflake says the token expired: the next token() signs a fresh one.
  async invalidate(): Promise<void> {
    const k = await this.cacheKey;
    const hit = tokens.get(k);
    if (hit) tokens.set(k, { ...hit, exp: 0 });
  }
}
