import { ApiError } from "./errors";

// Strong ETags from the row version: every write bumps the version.
export const etagOf = (version: number) => `"v${version}"`;

// True when the request may proceed; If-Match absent means "no precondition".
export function checkIfMatch(ifMatch: string | undefined, version: number) {
  if (ifMatch === undefined) return;
  const wanted = ifMatch.split(",").map((s) => s.trim());
  if (wanted.includes("*") || wanted.includes(etagOf(version))) return;
  throw new ApiError(412, "precondition_failed", "The resource changed since the ETag you sent; GET it again");
}

export const concurrentChange = () =>
  new ApiError(409, "concurrent_modification", "The resource was changed by another request; retry");
