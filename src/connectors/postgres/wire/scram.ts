import { fromBase64, toBase64, utf8 } from "./bytes";

// SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), client side, without channel binding: the tunnel
// through the WebSocket proxy carries no TLS of its own to bind to. WebCrypto does the hashing.

export const SCRAM = "SCRAM-SHA-256";
const MAX_ITERATIONS = 1_000_000; // a hostile server must not make us burn CPU time

export class ScramError extends Error {}

const subtle = () => crypto.subtle;

async function hmac(key: Uint8Array, data: Uint8Array | string): Promise<Uint8Array> {
  const k = await subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", k, typeof data === "string" ? utf8(data) : data));
}

const sha256 = async (data: Uint8Array) => new Uint8Array(await subtle().digest("SHA-256", data));

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const k = await subtle().importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await subtle().deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, k, 256));
}

/** Parses "a=1,b=2" into a map of single-letter attributes (values may contain "="). */
function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    if (part.length < 2 || part[1] !== "=") throw new ScramError(`Malformed SCRAM message from the server`);
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

const saslName = (s: string) => s.replaceAll("=", "=3D").replaceAll(",", "=2C");

export function randomNonce(): string {
  const b = new Uint8Array(18);
  crypto.getRandomValues(b);
  return toBase64(b); // printable, no commas
}

/** Picks the mechanism from the server's list, or explains why none fits. */
export function chooseMechanism(offered: string[]): string {
  if (offered.includes(SCRAM)) return SCRAM;
  if (offered.includes(`${SCRAM}-PLUS`)) {
    throw new ScramError(
      "The server requires SCRAM-SHA-256-PLUS (channel binding), which is not possible through a WebSocket proxy: allow plain SCRAM-SHA-256 for this user",
    );
  }
  throw new ScramError(`The server offers no supported SASL mechanism (offered: ${offered.join(", ") || "none"})`);
}

export class ScramClient {
  private readonly clientFirstBare: string;
  private serverSignature?: Uint8Array;

  // PostgreSQL ignores the SCRAM user name (the startup message's user counts); libpq sends it empty.
  constructor(
    private readonly password: string,
    private readonly nonce: string = randomNonce(),
    user = "",
  ) {
    this.clientFirstBare = `n=${saslName(user)},r=${nonce}`;
  }

  /** client-first-message: no channel binding ("n,,"). */
  clientFirst(): string {
    return `n,,${this.clientFirstBare}`;
  }

  /** Answers server-first-message with client-final-message (the proof). */
  async clientFinal(serverFirst: string): Promise<string> {
    const attrs = attributes(serverFirst);
    if (attrs.has("m")) throw new ScramError("The server asked for an unsupported SCRAM extension");
    const nonce = attrs.get("r") ?? "";
    const salt = attrs.get("s");
    const iterations = Number(attrs.get("i"));
    if (!nonce.startsWith(this.nonce) || nonce.length <= this.nonce.length) {
      throw new ScramError("The server's SCRAM nonce does not extend ours");
    }
    if (!salt) throw new ScramError("The server sent no SCRAM salt");
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new ScramError(`The server asked for an unacceptable SCRAM iteration count (${attrs.get("i")})`);
    }
    const withoutProof = `c=${toBase64(utf8("n,,"))},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const salted = await pbkdf2(this.password, fromBase64(salt), iterations);
    const clientKey = await hmac(salted, "Client Key");
    const storedKey = await sha256(clientKey);
    const clientSignature = await hmac(storedKey, authMessage);
    const proof = clientKey.map((b, i) => b ^ clientSignature[i]!);
    const serverKey = await hmac(salted, "Server Key");
    this.serverSignature = await hmac(serverKey, authMessage);
    return `${withoutProof},p=${toBase64(proof)}`;
  }

  /** Checks server-final-message: the server must prove it knows the password too. */
  verifyServerFinal(serverFinal: string): void {
    const attrs = attributes(serverFinal);
    const err = attrs.get("e");
    if (err) throw new ScramError(`SCRAM authentication failed: ${err}`);
    const v = attrs.get("v");
    const expected = this.serverSignature;
    if (!v || !expected) throw new ScramError("The server's SCRAM final message carries no signature");
    const got = fromBase64(v);
    let diff = got.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ (got[i] ?? 0);
    if (diff !== 0) throw new ScramError("The server's SCRAM signature is wrong: it does not know the password");
  }
}
