import { randomToken } from "./ids";

// API key tokens carry the claims needed to start work before the database answers
// (scope, workspace, key id); the stored hash covers the whole token, so none can be altered.
export type Scope = "read" | "write" | "admin";
export const SCOPES: readonly Scope[] = ["read", "write", "admin"];

const TOKEN = /^cak_(read|write|admin)_(ws_[0-9a-z]{21})_(key_[0-9a-z]{21})_([A-Za-z0-9_-]{43})$/;

export type ParsedKey = { scope: Scope; workspaceId: string; keyId: string };

export function parseApiKey(token: string): ParsedKey | null {
  const m = TOKEN.exec(token);
  return m ? { scope: m[1] as Scope, workspaceId: m[2]!, keyId: m[3]! } : null;
}

export function mintApiKey(scope: Scope, workspaceId: string, keyId: string): string {
  return `cak_${scope}_${workspaceId}_${keyId}_${randomToken(32)}`;
}

export const scopeAllows = (held: Scope, needed: Scope) => SCOPES.indexOf(held) >= SCOPES.indexOf(needed);
