import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The docs page (/docs) in a real browser: `wrangler dev` serves the Worker on a free port with its own
// local state, headless Chromium (Debian's `chromium` package; .ci/run installs it) loads the page, and
// every operation of /openapi.json must be rendered. A screenshot is written for people to look at.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = resolve(".tmp/docs.png");
const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

let wrangler: ChildProcess | undefined;
let context: BrowserContext | undefined;
let base = "";
let output = "";
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

describe("docs page in headless Chromium", () => {
  it("renders every operation of /openapi.json and writes a screenshot", async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(expected.length).toBeGreaterThan(20);

    const page = await context!.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // every request the page makes must succeed (the browser's own /favicon.ico probe aside)
    page.on("response", (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== "/favicon.ico") errors.push(`${r.status()} ${r.url()}`);
    });
    page.on("requestfailed", (r) => errors.push(`failed ${r.url()}`));
    const res = await page.goto(`${base}/docs`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 20_000 });

    const shown = await page.$$eval("details.op[data-path][data-method]", (els) =>
      els.map((e) => `${(e as HTMLElement).dataset.method!.toUpperCase()} ${(e as HTMLElement).dataset.path}`),
    );
    expect(shown.slice().sort()).toEqual(expected);
    expect(new Set(shown).size).toBe(shown.length);
    // the title, a tag heading and a visible operation summary are on screen
    expect(await page.title()).toMatch(/Connections API/);
    expect(await page.locator("section.tag h2").count()).toBeGreaterThan(1);
    await expect(page.locator('details.op[data-method="post"][data-path="/api/connections"] summary').isVisible()).resolves.toBe(true);

    // open one operation so the screenshot shows its parameters and the try-it form
    await page.locator('details.op[data-method="get"][data-path="/api/connections/{id}/preview"] summary').click();
    mkdirSync(resolve(".tmp"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`docs screenshot: ${SCREENSHOT}`);
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(errors).toEqual([]);
  });
});
