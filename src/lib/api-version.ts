// API versions are dates. A request picks one with the Api-Version header; without it, it gets the
// first version, so callers written before a change keep the behaviour they were written against.
// Every answer names the version that produced it.
export const API_VERSIONS = ["2026-06-01", "2026-11-01"] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export const DEFAULT_API_VERSION: ApiVersion = API_VERSIONS[0];
export const LATEST_API_VERSION: ApiVersion = API_VERSIONS[API_VERSIONS.length - 1]!;

// What changed in each version (for the document and the README).
export const API_VERSION_CHANGES: Record<ApiVersion, string> = {
  "2026-06-01": "The first version (default when the header is absent)",
  "2026-11-01": "DELETE /api/connections/{id}?force=true pauses and detaches the pipelines that use the connection",
};

export const isApiVersion = (v: string): v is ApiVersion => (API_VERSIONS as readonly string[]).includes(v);

export const atLeast = (v: ApiVersion, min: ApiVersion) => API_VERSIONS.indexOf(v) >= API_VERSIONS.indexOf(min);
