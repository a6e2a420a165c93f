// Bindings and settings of the Worker. Settings are parsed once per env object.
export type Bindings = {
  DB: D1Database;
  RL_METADATA?: RateLimit;
  RL_WAREHOUSE?: RateLimit;
  ALLOW_PRIVATE_NETWORK?: string;
  ENCRYPTION_KEYS?: string;
  JWT_HS256_SECRET?: string;
  JWT_JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_WORKSPACE_CLAIM?: string;
  // "limit/period" of the RL_METADATA and RL_WAREHOUSE bindings, for the RateLimit-Policy header.
  RL_METADATA_POLICY?: string;
  RL_WAREHOUSE_POLICY?: string;
  // Comma-separated origins a browser may call the API from (CORS); empty or unset: CORS off.
  CORS_ALLOWED_ORIGINS?: string;
};

export type RateLimitPolicy = { limit: number; period: number };

function parsePolicy(value: string | undefined): RateLimitPolicy | undefined {
  const m = value?.trim().match(/^(\d+)\s*\/\s*(\d+)$/);
  return m ? { limit: Number(m[1]), period: Number(m[2]) } : undefined;
}

export type Settings = {
  allowPrivateNetwork: boolean;
  rateLimits: { metadata?: RateLimitPolicy; warehouse?: RateLimitPolicy };
  corsOrigins: string[];
  jwt: {
    hs256Secret?: string;
    jwksUrl?: string;
    issuer?: string;
    audience?: string;
    workspaceClaim: string;
  };
};

const cache = new WeakMap<object, Settings>();

export function settings(env: Bindings): Settings {
  let s = cache.get(env);
  if (!s) {
    s = {
      allowPrivateNetwork: env.ALLOW_PRIVATE_NETWORK === "true",
      rateLimits: { metadata: parsePolicy(env.RL_METADATA_POLICY), warehouse: parsePolicy(env.RL_WAREHOUSE_POLICY) },
      corsOrigins: (env.CORS_ALLOWED_ORIGINS ?? "")
        .split(",")
        .map((o) => o.trim().replace(/\/+$/, ""))
        .filter(Boolean),
      jwt: {
        hs256Secret: env.JWT_HS256_SECRET || undefined,
        jwksUrl: env.JWT_JWKS_URL || undefined,
        issuer: env.JWT_ISSUER || undefined,
        audience: env.JWT_AUDIENCE || undefined,
        workspaceClaim: env.JWT_WORKSPACE_CLAIM || "workspace_id",
      },
    };
    cache.set(env, s);
  }
  return s;
}
