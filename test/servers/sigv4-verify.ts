import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

// Verifies an AWS Signature Version 4 Authorization header the way AWS services do for non-S3
// services (docs "Create a signed AWS API request": canonical URI = each path segment URI-encoded
// twice, sorted query, signed headers, hex SHA-256 of the payload), within 15 minutes of the clock.

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

export type SigV4Result = { ok: true; accessKeyId: string } | { ok: false; reason: string };

export function verifySigV4(
  req: IncomingMessage,
  body: Buffer,
  opts: { service: string; region: string; keys: Record<string, string>; doubleEncode?: boolean },
): SigV4Result {
  const auth = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, reason: "missing or malformed SigV4 Authorization header" };
  const [, akid, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = opts.keys[akid!];
  if (!secret) return { ok: false, reason: "unknown access key" };
  if (service !== opts.service) return { ok: false, reason: `credential scope names service ${service}, expected ${opts.service}` };
  if (region !== opts.region) return { ok: false, reason: `credential scope names region ${region}, expected ${opts.region}` };
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const t = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
  if (!amzDate.startsWith(date!) || !Number.isFinite(t) || Math.abs(Date.now() - t) > 15 * 60_000) return { ok: false, reason: "request time is missing or skewed" };
  const signed = signedHeaders!.split(";");
  if (!signed.includes("host") || !signed.includes("x-amz-date")) return { ok: false, reason: "host and x-amz-date must be signed" };

  const url = new URL(req.url ?? "/", "http://placeholder");
  const segments = url.pathname.split("/").map((s) => {
    const once = enc(decodeURIComponent(s));
    return opts.doubleEncode === false ? once : enc(once);
  });
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const payload = String(req.headers["x-amz-content-sha256"] ?? sha256(body));
  const canonical = [req.method, segments.join("/"), query, headers, signedHeaders, payload].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), "aws4_request");
  const expected = createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) return { ok: false, reason: "signature does not match" };
  return { ok: true, accessKeyId: akid! };
}
