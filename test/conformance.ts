import { Validator } from "@cfworker/json-schema";

// Checks one answer of the API against the served OpenAPI document: the operation lists its status,
// the content type is the declared one, the body validates against the declared schema (with
// @cfworker/json-schema, a JSON Schema 2020-12 validator that runs inside workerd), and every header
// beyond the transport's own is declared for that status. test/helpers.ts runs it on every answer
// the test suite gets, so nothing the API sends stays outside the document.
type Doc = { paths: Record<string, Record<string, any>>; components: Record<string, any> };

// Headers of HTTP itself rather than of this API.
const TRANSPORT = new Set(["content-type", "content-length", "transfer-encoding", "date", "connection", "keep-alive", "server", "cf-ray"]);

// Examples are data, not schemas: the validator would index the ids inside them.
const withoutExamples = (value: unknown) => JSON.parse(JSON.stringify(value, (k, v) => (k === "example" || k === "examples" ? undefined : v)));

const validators = new Map<object, Validator>();
const components = new WeakMap<object, unknown>();
function validatorFor(doc: Doc, schema: object) {
  let v = validators.get(schema);
  if (!v) {
    if (!components.has(doc)) components.set(doc, withoutExamples(doc.components));
    // The schema's $refs (#/components/...) resolve against a root that carries the components.
    v = new Validator({ ...withoutExamples(schema), components: components.get(doc) } as never, "2020-12", false);
    validators.set(schema, v);
  }
  return v;
}

type Route = { template: string; pattern: RegExp; item: Record<string, any> };
const routesOf = new WeakMap<Doc, Route[]>();
function routes(doc: Doc): Route[] {
  let list = routesOf.get(doc);
  if (!list) {
    // Static segments before parameters, as the router matches them.
    list = Object.entries(doc.paths)
      .map(([template, item]) => ({
        template,
        item,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      }))
      .sort((a, b) => a.template.split("{").length - b.template.split("{").length);
    routesOf.set(doc, list);
  }
  return list;
}

const resolveHeader = (doc: Doc, h: any) => (h?.$ref ? doc.components.headers?.[h.$ref.split("/").pop()] : h);

export type Answer = { status: number; headers: Headers; text: string; json: unknown };

export function conformance(doc: Doc, method: string, url: string, res: Answer): string[] {
  const path = new URL(url, "http://api.test").pathname;
  const route = routes(doc).find((r) => r.pattern.test(path));
  const op = route?.item[method.toLowerCase()];
  if (!op) return []; // not an operation of the document (unknown route, /docs, /openapi.json, preflight)
  const where = `${method.toUpperCase()} ${route!.template} -> ${res.status}`;
  const declared = op.responses[String(res.status)];
  if (!declared) return [`${where}: status not in the document`];
  const problems: string[] = [];
  const content = declared.content as Record<string, { schema: object }> | undefined;
  const type = res.headers.get("content-type")?.split(";")[0]?.trim();
  if (content && Object.keys(content).length) {
    const media = type ? content[type] : undefined;
    if (!media) problems.push(`${where}: content-type ${type ?? "(none)"} not declared (${Object.keys(content).join(", ")})`);
    else {
      const result = validatorFor(doc, media.schema).validate(res.json);
      if (!result.valid) {
        const leaves = result.errors.filter((e) => !/^(properties|\$ref|oneOf|anyOf|items|allOf|additionalProperties)$/.test(e.keyword) || result.errors.length === 1);
        problems.push(`${where}: body does not match: ${(leaves.length ? leaves : result.errors).slice(0, 3).map((e) => `${e.instanceLocation} ${e.error}`).join("; ")}`);
      }
    }
  } else if (res.text) problems.push(`${where}: a body where the document declares none`);
  const headers = new Set(Object.keys(declared.headers ?? {}).map((h) => h.toLowerCase()));
  for (const [name, value] of res.headers) {
    if (TRANSPORT.has(name)) continue;
    if (!headers.has(name)) {
      problems.push(`${where}: header ${name} not declared`);
      continue;
    }
    const schema = resolveHeader(doc, Object.entries(declared.headers).find(([h]) => h.toLowerCase() === name)![1])?.schema;
    if (schema?.enum && !schema.enum.includes(value)) problems.push(`${where}: header ${name}: ${value} is not one of ${schema.enum.join(", ")}`);
    if (schema?.type === "integer" && !/^\d+$/.test(value)) problems.push(`${where}: header ${name}: ${value} is not an integer`);
  }
  return problems;
}
