import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The README quickstart's json() helper, run in bash as a person pasting it would: it prints the
// asked field of a good answer, and on a problem+json answer (what curl --fail-with-body passes on)
// prints the problem's status, code and detail to stderr and fails, so $(...) captures nothing.
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const helper = readme.split("\n").find((l) => l.startsWith("json() {"));

function run(body: string, field: string) {
  try {
    const stdout = execFileSync("bash", ["-c", `${helper}\nprintf '%s' "$BODY" | json ${field}`], {
      env: { ...process.env, BODY: body },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: 0, stdout, stderr: "" };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("README quickstart json() helper", () => {
  it("is in the README", () => expect(helper).toBeDefined());

  it("prints the field of a good answer", () => {
    expect(run(JSON.stringify({ id: "conn_abc", name: "x" }), ".id")).toEqual({ code: 0, stdout: "conn_abc\n", stderr: "" });
  });

  it("prints the problem's detail and fails on an error answer", () => {
    const problem = { type: "about:blank", title: "Conflict", status: 409, code: "conflict", detail: 'A connection named "x" already exists', requestId: "r1" };
    const r = run(JSON.stringify(problem), ".id");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`409 conflict: ${problem.detail}\n`);
  });

  it("says so when there is no answer at all", () => {
    const r = run("", ".id");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("no answer\n");
  });
});
