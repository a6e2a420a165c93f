// What `npm run deploy` refuses to ship: the checks are plain functions so tests can run them offline.
import { loadKeyRing } from "../src/lib/secrets-crypto";

// The database_id committed in wrangler.toml: a stand-in until `wrangler d1 create` gives a real one.
export const PLACEHOLDER_DATABASE_ID = "00000000-0000-4000-8000-000000000001";

// Secrets the Worker cannot run without (it answers 500 encryption_not_configured on every credential
// write otherwise), and the optional ones the deploy passes on when they are in the environment.
export const REQUIRED_SECRETS = ["ENCRYPTION_KEYS"] as const;
export const OPTIONAL_SECRETS = ["JWT_HS256_SECRET"] as const;

export const KEY_COMMAND = `node -e "console.log('k1:' + require('crypto').randomBytes(32).toString('base64url'))"`;

export type Problem = string;

export function checkDatabaseId(wranglerToml: string): Problem[] {
  const ids = [...wranglerToml.matchAll(/^\s*database_id\s*=\s*"([^"]*)"/gm)].map((m) => m[1]!);
  if (ids.length === 0) return ["wrangler.toml has no [[d1_databases]] database_id"];
  return ids.flatMap((id) =>
    id === PLACEHOLDER_DATABASE_ID || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
      ? [
          `wrangler.toml's database_id is ${id === PLACEHOLDER_DATABASE_ID ? "the placeholder" : `not a D1 id ("${id}")`}. ` +
            `Create the database with \`npx wrangler d1 create connections\` and put the database_id it prints into wrangler.toml.`,
        ]
      : [],
  );
}

// `remote`: names of the secrets already set on the deployed Worker (null when they could not be listed,
// e.g. before the first deploy). `env`: this process's environment, whose secrets the deploy uploads.
export async function checkSecrets(remote: string[] | null, env: Record<string, string | undefined>): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const name of REQUIRED_SECRETS) {
    if (env[name] === undefined && !remote?.includes(name)) {
      problems.push(
        `${name} is not set on the Worker${remote === null ? " (its secrets could not be listed)" : ""} and not in the environment. ` +
          `Generate a key with \`${KEY_COMMAND}\`, keep it somewhere safe, and run \`${name}='k1:...' npm run deploy\`.`,
      );
    }
  }
  if (env.ENCRYPTION_KEYS !== undefined) {
    try {
      await loadKeyRing(env.ENCRYPTION_KEYS);
    } catch (err) {
      problems.push(`ENCRYPTION_KEYS in the environment is not usable: ${(err as Error).message} (expected id:base64url-32-bytes[,id:...])`);
    }
  }
  return problems;
}

// The secrets of this environment that the deploy uploads (as a --secrets-file).
export function secretsToUpload(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...REQUIRED_SECRETS, ...OPTIONAL_SECRETS]) if (env[name] !== undefined) out[name] = env[name]!;
  return out;
}
