import type { ConnectorDefinition } from "../connectors/types";
import { ApiError, type FieldError } from "../lib/errors";

// Field names that look like secrets are refused in config with a pointer to credentials, before
// the strict schema would reject them as merely unknown.
const SECRET_LIKE = /pass(word|wd|phrase)?$|secret|token|private_?key|api_?key|secret_?access|access_?key$|credential|^auth$|^pwd$/i;

function secretLikePaths(value: unknown, path: string[] = []): string[] {
  if (!value || typeof value !== "object") return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_LIKE.test(k) && !/^accessKeyId$/i.test(k)) out.push([...path, k].join("."));
    out.push(...secretLikePaths(v, [...path, k]));
  }
  return out;
}

export function validateConfig(def: ConnectorDefinition, config: unknown, where = "body.config"): Record<string, unknown> {
  const secretPaths = secretLikePaths(config);
  if (secretPaths.length) {
    throw new ApiError(
      400,
      "secret_in_config",
      "Secrets do not belong in config. Store them in a credential (POST /api/credentials) and pass its credentialId.",
      { errors: secretPaths.map((p) => ({ path: `${where}.${p}`, message: "secret-looking field; use a credential" })) },
    );
  }
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
