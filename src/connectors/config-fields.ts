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
