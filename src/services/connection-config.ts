import type { ConnectorDefinition } from "../connectors/types";
import { ApiError, type FieldError } from "../lib/errors";

// Field names that look like secrets are refused in config with a pointer to credentials, before
// the strict schema would reject them as merely unknown.
const SECRET_LIKE = /pass(word|wd|phrase)?$|secret|token|private_?key|api_?key|secret_?access|access_?key$|credential|^auth$|^pwd$/i;
// Names of identifiers: a key id, and a reference to another credential (storage.credentialId,
// s3CredentialId), whose value the engine's schema holds to the cred_... id form.
const NOT_SECRET = /^accessKeyId$|credentialId$/i;

// Configs are flat settings; nesting is bounded so that walking a body can never exhaust the stack.
export const MAX_CONFIG_DEPTH = 32;

// Throws 400 config_too_deep when objects or arrays nest deeper than MAX_CONFIG_DEPTH (iteratively).
export function checkConfigDepth(value: unknown, where = "body.config"): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== "object") continue;
    if (depth > MAX_CONFIG_DEPTH) {
      throw new ApiError(400, "config_too_deep", `config nests deeper than ${MAX_CONFIG_DEPTH} levels`, {
        errors: [{ path: where, message: `at most ${MAX_CONFIG_DEPTH} levels of nesting` }],
      });
    }
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

function secretLikePaths(value: unknown, path: string[] = []): string[] {
  if (!value || typeof value !== "object") return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_LIKE.test(k) && !NOT_SECRET.test(k)) out.push([...path, k].join("."));
    out.push(...secretLikePaths(v, [...path, k]));
  }
  return out;
}

// Refuses secret-looking field names in a config with a pointer to credentials (after the depth
// bound, so the walk below stays shallow).
export function refuseSecretsInConfig(config: unknown, where = "body.config") {
  checkConfigDepth(config, where);
  const secretPaths = secretLikePaths(config);
  if (secretPaths.length) {
    throw new ApiError(
      400,
      "secret_in_config",
      "Secrets do not belong in config. Store them in a credential (POST /api/credentials) and pass its credentialId.",
      { errors: secretPaths.map((p) => ({ path: `${where}.${p}`, message: "secret-looking field; use a credential" })) },
    );
  }
}

export function validateConfig(def: ConnectorDefinition, config: unknown, where = "body.config"): Record<string, unknown> {
  refuseSecretsInConfig(config, where);
  const parsed = def.config.safeParse(config);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((i) => ({
      path: [where, ...i.path.map(String)].join("."),
      message: i.code === "unrecognized_keys" ? `${i.message}; known keys are listed in the ${def.type} config schema` : i.message,
    }));
    throw new ApiError(400, "validation_failed", `The config is not valid for a ${def.type} connection`, { errors });
  }
  return parsed.data as Record<string, unknown>;
}

/** Applies a config patch from a request (depth-checked first). */
export function mergeConfigPatch(stored: unknown, patch: unknown, where = "body.config"): unknown {
  checkConfigDepth(patch, where);
  return mergePatch(stored, patch);
}

// RFC 7396 JSON Merge Patch.
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k];
    else base[k] = mergePatch(base[k], v);
  }
  return base;
}
