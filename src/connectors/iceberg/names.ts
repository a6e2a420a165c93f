// Multipart namespaces as schema names: parts joined with "." ("accounting.tax"); when a part itself
// holds a ".", the parts are joined with the unit separator U+001F instead, so names round-trip.
const UNIT = "\u001f";

export function namespaceName(parts: string[]): string {
  return parts.some((p) => p.includes(".")) ? parts.join(UNIT) : parts.join(".");
}

export function parseNamespace(name: string): string[] {
  return name.includes(UNIT) ? name.split(UNIT) : name.split(".");
}
