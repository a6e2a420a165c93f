import { z } from "zod";

// Building blocks for strict engine configs: hosts are bare names or IPs, never URLs or option strings.
export const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/,
    "must be a host name or IP address, without scheme, port, path or credentials",
  );

// A host that is put into a URL as it is (https://<host>/): an IPv6 address needs its brackets.
export const urlHost = hostname.refine((h) => {
  try {
    new URL(`https://${h}/`);
    return true;
  } catch {
    return false;
  }
}, "must be a host name or IP address usable in a URL; write an IPv6 address in brackets, e.g. [fd00::1]");

// An IPv4 or IPv6 address rather than a name, as the URL parser reads it (any IPv4 spelling included).
export function isIpAddress(host: string): boolean {
  return host.startsWith("[") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

export const port = z.number().int().min(1).max(65535);

// Identifiers such as database or schema names: anything printable, bounded, no NUL.
export const identifier = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => !/[\u0000-\u001f]/.test(s), "must not contain control characters");

// An http(s)/ws(s) origin plus optional path: no credentials, query or fragment to smuggle options in.
export function originUrl(schemes: readonly string[]) {
  return z
    .string()
    .max(2048)
    .refine((value) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return false;
      }
      return (
        schemes.includes(url.protocol.slice(0, -1)) &&
        !url.username &&
        !url.password &&
        !url.search &&
        !url.hash &&
        !value.includes("?") &&
        !value.includes("#")
      );
    }, `must be a ${schemes.join(" or ")} URL without credentials, query or fragment`);
}

export const nonEmpty = (max = 1024) => z.string().min(1).max(max);

// The id of another credential of the same workspace (resolved and checked by the platform).
export const credentialRef = z.string().regex(/^cred_[0-9a-z]{21}$/, "must be a credential id (cred_...)");
