import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { allConnectors } from "../../src/connectors/registry";
import { api } from "../helpers";

// Whole-body examples: every request body and every answer with a body has one (or one per engine),
// and each is valid against the schema it illustrates, so docs and generators build valid requests.
const strip = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === "example" || k === "examples" ? undefined : x)));

describe("OpenAPI examples", () => {
  it("every operation has request and response examples that validate against their schemas", async () => {
    const doc = (await api("/openapi.json")).json;
    const components = strip(doc.components);
    const problems: string[] = [];
    let checked = 0;
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const media = [
          ...Object.entries<any>(op.requestBody?.content ?? {}).map(([type, m]) => [`request ${type}`, m] as const),
          ...Object.entries<any>(op.responses).flatMap(([status, r]) => Object.entries<any>(r.content ?? {}).map(([type, m]) => [`${status} ${type}`, m] as const)),
        ];
        for (const [what, m] of media) {
          const where = `${method.toUpperCase()} ${path} ${what}`;
          const values = m.example !== undefined ? [m.example] : Object.values<any>(m.examples ?? {}).map((e) => e.value);
          if (!values.length) problems.push(`${where}: no example`);
          const validator = new Validator({ ...strip(m.schema), components } as never, "2020-12", false);
          for (const value of values) {
            checked++;
            const result = validator.validate(value);
            if (!result.valid) problems.push(`${where}: ${result.errors.slice(-2).map((e) => `${e.instanceLocation} ${e.error}`).join("; ")}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(300);
    // A create body per engine of the registry, so each engine's docs show a valid request.
    const created = doc.paths["/api/connections"].post.requestBody.content["application/json"].examples;
    expect(Object.keys(created).sort()).toEqual(allConnectors().map((c) => `Create${c.type[0]!.toUpperCase()}${c.type.slice(1)}Connection`).sort());
  });
});
