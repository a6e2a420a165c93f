import { SELF } from "cloudflare:test";
import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import readme from "../../README.md?raw";
import { SANDBOX, sandboxAddresses, sandboxBodies, shopFiles } from "../../scripts/sandbox-data";
import { newWorkspace } from "../helpers";

// Runs the README's "Quickstart" section as written: its shell lines are parsed (variables, quoting,
// `$(...)` captures, curl flags), the sandbox's addresses are swapped for the test servers' ones, and
// every curl request goes to the Worker. A README change that stops working fails here.
const s = inject("servers");

// ---- the section and its shell lines ----------------------------------------------------------------

function section(md: string, title: string): string {
  const start = md.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const rest = md.slice(start + title.length + 5);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

type Block = { title: string; lines: string[] };

// The ```sh blocks of the section, continuation lines joined, split at `# ...` comment lines into blocks.
function blocks(text: string): Block[] {
  const code = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join("\n");
  const joined = code.replace(/\\\n\s*/g, "");
  const out: Block[] = [{ title: "setup", lines: [] }];
  for (const raw of joined.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#")) out.push({ title: line.replace(/^#\s*/, ""), lines: [] });
    else out.at(-1)!.lines.push(line);
  }
  return out;
}

// Shell words with bash quoting: '...' literal, "..." and bare text with $VAR / ${VAR} expansion.
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  let i = 0;
  const expand = (stop: (c: string) => boolean) => {
    let text = "";
    while (i < line.length && !stop(line[i]!)) {
      if (line[i] === "$") {
        const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(line.slice(i));
        if (!m) throw new Error(`unsupported $ in: ${line}`);
        const name = m[1] ?? m[2]!;
        if (!(name in vars)) throw new Error(`variable $${name} is used before it is set`);
        text += vars[name];
        i += m[0].length;
      } else if (line[i] === "\\") {
        text += line[i + 1] ?? "";
        i += 2;
      } else text += line[i++];
    }
    return text;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t") {
      if (cur !== null) out.push(cur);
      cur = null;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      cur = (cur ?? "") + line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      cur = (cur ?? "") + expand((ch) => ch === '"');
      i++;
    } else if (c === "|") {
      if (cur !== null) out.push(cur);
      cur = null;
      out.push("|");
      i++;
    } else {
      cur = (cur ?? "") + expand((ch) => " \t'\"|".includes(ch));
    }
  }
  if (cur !== null) out.push(cur);
  return out;
}

// ---- sandbox -> test servers ------------------------------------------------------------------------

const sandbox = sandboxAddresses();
// The test S3 server's store is shared with other runs: this run's copy of the sandbox bucket gets its own name.
const bucketName = `${SANDBOX.s3Bucket}-${crypto.randomUUID().slice(0, 8)}`;
const s3Keys = () => ({ accessKeyId: s.s3AccessKeyId!, secretAccessKey: s.s3SecretAccessKey! });
const swaps = (): Array<[string, string]> => [
  [`"port":${SANDBOX.pgPort}`, `"port":${s.pgPort}`],
  [`"database":"${SANDBOX.pgDatabase}"`, `"database":"${s.pgDatabase}"`],
  [`"user":"${SANDBOX.pgUser}"`, `"user":"${s.pgUser}"`],
  [`"password":"${SANDBOX.pgPassword}"`, `"password":"${s.pgPassword}"`],
  [sandbox.wsProxyUrl, s.wsProxyUrl!],
  [sandbox.s3Endpoint, s.s3Endpoint!],
  [`"bucket":"${SANDBOX.s3Bucket}"`, `"bucket":"${bucketName}"`],
];
const used = new Set<string>();
function toTest(text: string) {
  for (const [from, to] of swaps()) {
    if (text.includes(from)) used.add(from);
    text = text.split(from).join(to);
  }
  return text;
}

type Sent = { method: string; url: URL; body?: string; status: number; json: any };

// Runs one `curl` command line (already split into words) against the Worker.
async function curl(args: string[], token: string): Promise<Sent> {
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  let failWithBody = false;
  let showErrors = false;
  const headers = new Headers();
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-sS" || a === "-Ss") showErrors = true;
    else if (a === "--fail-with-body") failWithBody = true;
    else if (a === "-X") method = args[++i];
    else if (a === "-H") {
      const h = args[++i]!;
      const cut = h.indexOf(":");
      headers.set(h.slice(0, cut).trim(), h.slice(cut + 1).trim());
    } else if (a === "-d" || a === "--data") body = args[++i];
    else if (a.startsWith("-")) throw new Error(`curl flag ${a} is not supported by this test: keep the quickstart simple`);
    else if (url) throw new Error(`two URLs in one curl: ${url} ${a}`);
    else url = a;
  }
  // A failure must show the problem's body and curl's message, not hide them (as -f or -s alone do).
  expect(failWithBody && showErrors, "every quickstart curl uses -sS --fail-with-body").toBe(true);
  expect(headers.get("authorization")).toBe(`Bearer ${token}`);
  const target = new URL(toTest(url!));
  expect(target.origin).toBe(sandbox.api);
  method ??= body === undefined ? "GET" : "POST";
  const sentBody = body === undefined ? undefined : toTest(body);
  const res = await SELF.fetch(target.href, { method, headers, body: sentBody });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new Error(`${method} ${target.pathname}${target.search} answered ${res.status}: ${text.slice(0, 500)}`);
  return { method, url: target, body, status: res.status, json };
}

// What each kind of quickstart request must show, beyond a 2xx status. `run` is this run's name suffix.
function check(r: Sent, run: string) {
  const p = r.url.pathname;
  const where = `${r.method} ${p}${r.url.search}`;
  if (r.method === "POST" && (p === "/api/credentials" || p === "/api/connections")) {
    // The README sends exactly the bodies `npm run dev` prints (plus the credential id).
    const sent = JSON.parse(r.body!);
    delete sent.credentialId;
    expect(sent.name, `${where}: names carry the run's suffix, so a second run does not clash`).toMatch(new RegExp(`-${run}$`));
    sent.name = sent.name.slice(0, -run.length - 1);
    const bodies = Object.values(sandboxBodies(s3Keys()));
    expect(bodies, `${where}: the README body differs from what scripts/sandbox.ts prints`).toContainEqual(sent);
    expect(r.json.id, where).toMatch(p === "/api/credentials" ? /^cred_/ : /^conn_/);
  } else if (p.endsWith("/test")) {
    expect(r.json.ok, `${where}: ${JSON.stringify(r.json)}`).toBe(true);
  } else if (p.endsWith("/tables") || p.endsWith("/files")) {
    expect(r.json.data.length, where).toBeGreaterThan(0);
  } else if (p.endsWith("/preview") || p === "/api/connections/test-query") {
    expect(r.json.columns.length, where).toBeGreaterThan(0);
    expect(r.json.rows.length, where).toBeGreaterThan(0);
  } else if (p.endsWith("/cloud-schema")) {
    expect(r.json.columns.length, where).toBeGreaterThan(0);
  }
}

// The README's json() helper, skipped here: test/node/quickstart-json.spec.ts runs it in bash.
const JSON_FN = `json() { node -e "const t = require('fs').readFileSync(0, 'utf8'); const b = t ? JSON.parse(t) : {}; if (!t || b.status >= 400) { console.error(t ? b.status + ' ' + b.code + ': ' + b.detail : 'no answer'); process.exit(1); } console.log(b$1)"; }`;

// Runs shell lines: assignments (literal, `$(cat .sandbox/api-key.txt)`, `$(date +%s)`, `$(curl ... | json .field)`),
// the json() helper, and curl commands. Anything else is refused, so the README stays runnable here.
async function runLines(lines: string[], vars: Record<string, string>, token: string, sent: Sent[]) {
  for (const line of lines) {
    if (line === JSON_FN) continue;
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (assign) {
      const [, name, value] = assign as unknown as [string, string, string];
      if (value === "$(cat .sandbox/api-key.txt)") {
        vars[name] = token; // the key the sandbox wrote; here a fresh key for a fresh workspace
        continue;
      }
      if (value === "$(date +%s)") {
        vars[name] = String(Math.floor(Date.now() / 1000));
        continue;
      }
      const capture = /^\$\((.*)\)$/.exec(value);
      if (capture) {
        const w = words(capture[1]!, vars);
        const pipe = w.indexOf("|");
        expect(w[0], line).toBe("curl");
        expect(w.slice(pipe + 1, pipe + 2), `${line}: only "| json .field" is supported`).toEqual(["json"]);
        const field = w[pipe + 2]!;
        expect(field, line).toMatch(/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/);
        const r = await curl(w.slice(0, pipe), token);
        check(r, vars.RUN!);
        sent.push(r);
        const v = field.split(".").slice(1).reduce((o: any, k) => o?.[k], r.json);
        expect(typeof v, `${line}: ${field} of ${JSON.stringify(r.json)}`).toBe("string");
        vars[name] = v;
        continue;
      }
      const w = words(value, vars);
      expect(w, line).toHaveLength(1);
      vars[name] = w[0]!;
      continue;
    }
    const w = words(line, vars);
    if (w[0] !== "curl" || w.includes("|")) throw new Error(`unsupported line in the README quickstart: ${line}`);
    const r = await curl(w, token);
    check(r, vars.RUN!);
    sent.push(r);
  }
}

// ---- the test -------------------------------------------------------------------------------------

const all = blocks(section(readme, "Quickstart"));
const setup = all[0]!;
const flows = all.slice(1);

describe("README quickstart, run against the Worker", () => {
  const aws = () => new AwsClient({ ...s3Keys(), service: "s3", region: SANDBOX.s3Region, retries: 0 });
  const bucket = () => `${s.s3Endpoint}/${bucketName}`;
  const files = shopFiles();

  beforeAll(async () => {
    // The test S3 server gets the sandbox bucket with the very files `npm run dev` uploads.
    const made = await aws().fetch(bucket(), { method: "PUT" });
    await made.arrayBuffer();
    expect(made.status).toBe(200);
    for (const f of files) {
      const res = await aws().fetch(`${bucket()}/${f.key}`, { method: "PUT", body: f.body });
      await res.arrayBuffer();
      expect(res.status, f.key).toBe(200);
    }
  });

  afterAll(async () => {
    for (const f of files) await (await aws().fetch(`${bucket()}/${f.key}`, { method: "DELETE" })).arrayBuffer();
    await (await aws().fetch(bucket(), { method: "DELETE" })).arrayBuffer();
  });

  it("has a setup block and a PostgreSQL and an S3 walk-through", () => {
    expect(setup.lines.length).toBeGreaterThan(0);
    expect(flows.map((f) => f.title.split(":")[0])).toEqual(["PostgreSQL", "S3"]);
  });

  for (const flow of flows) {
    it(`${flow.title} (pasted twice into one workspace)`, async () => {
      const { token } = await newWorkspace("write");
      const sent: Sent[] = [];
      for (const round of [1, 2]) {
        // A person pastes it again later: at least the next second, as $(date +%s) counts.
        if (round === 2) await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
        const vars: Record<string, string> = {};
        await runLines(setup.lines, vars, token, sent);
        await runLines(flow.lines, vars, token, sent);
      }
      const paths = sent.map((r) => `${r.method} ${r.url.pathname.replace(/conn_[0-9a-z]+/, "{id}")}`);
      // what the issue asks the quickstart to show, for each system
      expect(paths).toEqual(expect.arrayContaining(["POST /api/credentials", "POST /api/connections", "POST /api/connections/{id}/test"]));
      if (flow.title.startsWith("PostgreSQL")) {
        expect(paths).toEqual(expect.arrayContaining(["GET /api/connections/{id}/tables", "GET /api/connections/{id}/preview", "POST /api/connections/test-query"]));
        for (const k of [`"port":${SANDBOX.pgPort}`, `"password":"${SANDBOX.pgPassword}"`]) expect(used).toContain(k);
        // Straight to the server over TCP: no proxy in the path.
        expect(used).not.toContain(sandbox.wsProxyUrl);
      } else {
        expect(paths).toEqual(expect.arrayContaining(["GET /api/connections/{id}/files", "GET /api/connections/{id}/cloud-schema", "GET /api/connections/{id}/preview"]));
        const parquet = sent.filter((r) => /\.parquet$/.test(r.url.searchParams.get("path") ?? r.url.searchParams.get("table") ?? ""));
        expect(parquet.map((r) => r.url.pathname.split("/").pop())).toEqual(expect.arrayContaining(["cloud-schema", "preview"]));
        expect(used).toContain(sandbox.s3Endpoint);
        expect(used).toContain(`"bucket":"${SANDBOX.s3Bucket}"`);
      }
    });
  }
});
