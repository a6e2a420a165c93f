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
};

export type Settings = {
  allowPrivateNetwork: boolean;
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
