import { ConnectorError } from "../errors";
import type { S3Config } from "./config";

// Paths in the API are relative to the configured root prefix; keys in S3 are absolute. "." and ".."
// segments are refused: URL parsers collapse them (even percent-encoded), which would step outside
// the root prefix.

export function rootPrefix(config: S3Config): string {
  const p = (config.prefix ?? "").replace(/^\/+/, "");
  return p && !p.endsWith("/") ? `${p}/` : p;
}

function checkSegments(key: string) {
  if (key.split("/").some((s) => s === "." || s === "..")) {
    throw new ConnectorError("invalid_request", 'Paths must not contain "." or ".." segments');
  }
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new ConnectorError("invalid_request", "Paths must not contain control characters");
  if (key.length > 1024) throw new ConnectorError("invalid_request", "Paths are at most 1024 characters");
}

// A prefix for listing (may be empty).
export function prefixFor(config: S3Config, path: string): string {
  const key = rootPrefix(config) + path.replace(/^\/+/, "");
  checkSegments(key);
  return key;
}

// The key of one object (must name something).
export function keyFor(config: S3Config, path: string): string {
  const rel = path.replace(/^\/+/, "");
  if (!rel || rel.endsWith("/")) throw new ConnectorError("invalid_request", "The path must name an object, not a folder");
  const key = rootPrefix(config) + rel;
  checkSegments(key);
  return key;
}

export function relativeKey(config: S3Config, key: string): string {
  const root = rootPrefix(config);
  return root && key.startsWith(root) ? key.slice(root.length) : key;
}
