import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintApiKey } from "../../src/lib/api-keys";
import { sha256Hex } from "../../src/lib/encoding";
import { newId } from "../../src/lib/ids";

// The API reference (/docs: Scalar, served by the Worker with its bundle as a static asset) in a real
// browser: `wrangler dev` serves the Worker on a free port with its own local D1 (migrated, with one
// API key), headless Chromium (Debian's `chromium` package; .ci/run installs it) loads the page. It
// checks search, an operation with its example body, and a POST "Test Request" with the key that
// really creates the connection; every request the page makes stays on our origin (no CDN). A
// screenshot is written for people to look at.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = resolve(".tmp/docs.png");
const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

let wrangler: ChildProcess | undefined;
let context: BrowserContext | undefined;
let base = "";
let output = "";
let token = "";
const dirs: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
  });
}

async function waitFor(url: string, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (wrangler?.exitCode !== null) throw new Error(`wrangler dev exited:\n${output.slice(-3000)}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s:\n${output.slice(-3000)}`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH`);
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "docs-wrangler-"));
  dirs.push(state);
  base = `http://127.0.0.1:${port}`;
  // The local D1 of this run: real migrations, one workspace with a write key for "Test Request".
  const d1 = (...args: string[]) => {
    const r = spawnSync("npx", ["wrangler", "d1", ...args, "DB", "--local", "--persist-to", state], { encoding: "utf8", env: { ...process.env, CI: "true" } });
    if (r.status !== 0) throw new Error(`wrangler d1 ${args[0]} failed: ${r.stderr}`);
  };
  d1("migrations", "apply");
  const [workspaceId, keyId] = [newId("ws"), newId("key")];
  token = mintApiKey("write", workspaceId, keyId);
  const now = Date.now();
  d1("execute", "--command", `INSERT INTO workspaces (id, name, created_at) VALUES ('${workspaceId}', 'docs', ${now});
    INSERT INTO api_keys (id, workspace_id, name, hash, scope, created_at) VALUES ('${keyId}', '${workspaceId}', 'docs', '${await sha256Hex(token)}', 'write', ${now});`);
  wrangler = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--show-interactive-dev-session=false"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so afterAll ends wrangler and workerd together
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  wrangler.stdout!.on("data", (b) => (output += b));
  wrangler.stderr!.on("data", (b) => (output += b));
  await waitFor(`${base}/openapi.json`, 150_000);

  const profile = mkdtempSync(join(tmpdir(), "docs-chromium-"));
  dirs.push(profile);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await context?.close().catch(() => {});
  if (wrangler?.pid && wrangler.exitCode === null) {
    const exited = new Promise((r) => wrangler!.once("exit", r));
    try {
      process.kill(-wrangler.pid, "SIGTERM");
    } catch {}
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const OP = (method: string, path: string) => `[id="api-1/tag/connections/${method}${path}"]`;

async function openDocs(errors: string[], offOrigin: string[]): Promise<Page> {
  const page = await context!.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => {
    if (new URL(r.url()).origin !== base && !r.url().startsWith("data:")) offOrigin.push(r.url());
  });
  // every request the page makes must succeed (the browser's own /favicon.ico probe aside)
  page.on("response", (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname !== "/favicon.ico") errors.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => errors.push(`failed ${r.url()}`));
  const res = await page.goto(`${base}/docs`, { waitUntil: "load" });
  expect(res?.status()).toBe(200);
  await page.getByRole("link", { name: /^Create a connection/ }).first().waitFor({ timeout: 30_000 });
  return page;
}

describe("API reference (Scalar) in headless Chromium", () => {
  it("searches, shows an operation with its example body, and sends a POST that succeeds with a key", async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.has(m)).map((m) => ({ path, method: m })));
    expect(operations.length).toBeGreaterThan(20);
    const errors: string[] = [];
    const offOrigin: string[] = [];
    const page = await openDocs(errors, offOrigin);
    expect(await page.title()).toBe("Connections API reference");
    // Scalar's own bundle, from our static assets
    const bundle = await fetch(`${base}/docs/scalar/standalone.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);

    // search: "preview" finds the preview operation, and choosing it goes there
    await page.getByRole("button", { name: /Search/ }).first().click();
    await page.keyboard.type("Sample rows");
    const hit = page.getByRole("option", { name: /Sample rows from a table/ }).first();
    await hit.waitFor({ timeout: 10_000 });
    await expect(hit.textContent()).resolves.toContain("/api/connections/{id}/preview");
    await hit.click();
    await expect.poll(() => decodeURIComponent(new URL(page.url()).hash), { timeout: 10_000 }).toMatch(/^#tag\/introspection\/GET\/api\/connections\/\{id\}\/preview$/);
    const previewOp = page.locator('[id="api-1/tag/introspection/GET/api/connections/{id}/preview"]');
    await expect(previewOp.getByText("Sample rows from a table").first().isVisible()).resolves.toBe(true);

    // the bearer scheme is preset: one token field, filled once
    await page.getByRole("link", { name: /^Introduction/ }).first().click();
    const tokenField = page.getByPlaceholder("Token");
    await expect(tokenField.count()).resolves.toBe(1);
    await tokenField.fill(token);

    // an operation with its example request body (from the document's examples)
    await page.getByRole("link", { name: /^Create a connection/ }).first().click();
    const op = page.locator(OP("POST", "/api/connections"));
    await op.waitFor();
    const sample = await op.locator("pre, code").allTextContents();
    const exampleBody = sample.join("\n");
    expect(exampleBody).toContain('"name": "Analytics warehouse"');
    expect(exampleBody).toContain('"type": "postgres"');
    expect(exampleBody).toContain('"host": "db.example.com"');
    expect(exampleBody).toContain("Authorization: Bearer");

    // "Test Request" opens the client with the example body and the token; Send creates the connection
    await op.getByRole("button", { name: /Test Request/ }).click();
    const created = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/connections");
    await page.getByRole("button", { name: /^Send/ }).first().click();
    const response = await created;
    expect(response.status()).toBe(201);
    expect(response.request().headers()["authorization"]).toBe(`Bearer ${token}`);
    const body = await response.json();
    expect(body).toMatchObject({ name: "Analytics warehouse", type: "postgres", config: { host: "db.example.com", database: "analytics" } });
    await page.getByText("201", { exact: false }).first().waitFor();
    // and it is really there
    const listed = await (await fetch(`${base}/api/connections/${body.id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(listed).toMatchObject({ id: body.id, name: "Analytics warehouse" });

    mkdirSync(resolve(".tmp"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    console.log(`docs screenshot: ${SCREENSHOT}`);
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(offOrigin).toEqual([]);
    expect(errors).toEqual([]);
  });
});
