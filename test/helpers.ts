import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { mintApiKey, type Scope } from "../src/lib/api-keys";
import { sha256Hex } from "../src/lib/encoding";
import { newId } from "../src/lib/ids";
import { conformance, type Answer } from "./conformance";

// Test helpers: workspaces and keys are made directly in the real D1, the way `npm run key:create`
// does; every API call goes through the Worker's fetch handler.
export async function newWorkspace(scope: Scope = "admin", opts: { expiresAt?: number } = {}) {
  const workspaceId = newId("ws");
  await env.DB.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)").bind(workspaceId, workspaceId, Date.now()).run();
  const token = await addKey(workspaceId, scope, opts);
  return { workspaceId, token };
}

export async function addKey(workspaceId: string, scope: Scope, opts: { expiresAt?: number } = {}) {
  const keyId = newId("key");
  const token = mintApiKey(scope, workspaceId, keyId);
  await env.DB.prepare(
    "INSERT INTO api_keys (id, workspace_id, name, hash, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(keyId, workspaceId, "test", await sha256Hex(token), scope, Date.now(), opts.expiresAt ?? null)
    .run();
  return token;
}

// unchecked: the caller checks the answer against the document itself (the fuzz collects every miss).
export type Call = { method?: string; body?: unknown; token?: string; headers?: Record<string, string>; rawBody?: string; unchecked?: boolean };

// Every answer a test gets is checked against the served OpenAPI document (see conformance.ts).
let served: Promise<any> | undefined;
const documentOf = () => (served ??= SELF.fetch("http://api.test/openapi.json").then((r) => r.json()));

async function conforming<T extends Answer>(method: string, path: string, res: T): Promise<T> {
  const problems = conformance(await documentOf(), method, path, res);
  if (problems.length) throw new Error(`The answer is not in the OpenAPI document:\n${problems.join("\n")}`);
  return res;
}

export const servedDocument = documentOf;

export async function api(path: string, call: Call = {}) {
  const headers: Record<string, string> = { ...(call.headers ?? {}) };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let body: string | undefined = call.rawBody;
  if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await SELF.fetch(`http://api.test${path}`, { method: call.method ?? "GET", headers, body });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const answer = { status: res.status, headers: res.headers, json, text };
  return call.unchecked ? answer : conforming(call.method ?? "GET", path, answer);
}

export const pgCredentialBody = (name = "pg cred") => ({
  name,
  type: "postgres",
  method: "password",
  identity: { user: "analyst" },
  secrets: { password: "hunter2-very-secret" },
});

export const pgConnectionBody = (name = "warehouse", extra: Record<string, unknown> = {}) => ({
  name,
  type: "postgres",
  config: { host: "db.example.com", database: "analytics" },
  ...extra,
});

// Calls the app with some bindings replaced (another key ring, a JWKS URL, a tight rate limit):
// the same code path as SELF.fetch with a different configuration.
export async function apiWith(overrides: Record<string, unknown>, path: string, call: Call = {}) {
  const { app } = await import("../src/app");
  const headers: Record<string, string> = { ...(call.headers ?? {}) };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let body: string | undefined = call.rawBody;
  if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers["content-type"] ??= "application/json";
  }
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://api.test${path}`, { method: call.method ?? "GET", headers, body }), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const answer = { status: res.status, headers: res.headers, json, text };
  return call.unchecked ? answer : conforming(call.method ?? "GET", path, answer);
}

export function expectProblem(res: { status: number; headers: Headers; json: any }, status: number, code?: string) {
  if (res.status !== status || (code && res.json?.code !== code)) {
    throw new Error(`expected ${status}${code ? ` ${code}` : ""}, got ${res.status} ${JSON.stringify(res.json)}`);
  }
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) throw new Error("not problem+json");
  for (const k of ["type", "title", "status", "detail", "code", "requestId"]) {
    if (!(k in res.json)) throw new Error(`problem lacks ${k}`);
  }
}
