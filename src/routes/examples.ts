// Whole-body examples for every request and response of the document, so docs and generators can
// build a valid request and show a real answer. Each is composed from what the schemas already say
// (their own examples, defaults, enums and consts; the first variant of a union), so it follows the
// schemas as they change. test/api/openapi-examples.test.ts validates every one against its schema.
import { titleFor } from "../lib/errors";

type Schema = Record<string, any>;
type Doc = { paths?: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

const METHODS = new Set(["get", "put", "post", "patch", "delete"]);

function sample(doc: Doc, schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 12) return undefined;
  if (schema.$ref) return sample(doc, doc.components?.schemas?.[String(schema.$ref).split("/").pop()!], depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum.find((v: unknown) => v !== null) ?? schema.enum[0];
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants?.length) return sample(doc, variants[0], depth + 1);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s: Schema) => sample(doc, s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") ?? "null" : schema.type;
  switch (type) {
    case "object": {
      // Required members, and optional ones whose schema gives a value of its own.
      const out: Record<string, unknown> = {};
      const required = new Set<string>(schema.required ?? []);
      for (const [k, v] of Object.entries<Schema>(schema.properties ?? {})) {
        if (!required.has(k) && v.example === undefined && v.default === undefined) continue;
        const value = sample(doc, v, depth + 1);
        if (value !== undefined) out[k] = value;
      }
      return out;
    }
    case "array": {
      const item = sample(doc, schema.items, depth + 1);
      return item === undefined ? [] : [item];
    }
    case "string":
      if (schema.format === "date-time") return "2026-11-28T12:00:00.000Z";
      if (schema.format === "uri") return "https://example.com";
      return "x".repeat(Math.max(1, schema.minLength ?? 1));
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return undefined;
  }
}

// The variants of a union body (nested unions flattened), named by their component.
function variants(doc: Doc, schema: Schema | undefined, name = ""): Array<[string, Schema]> {
  if (!schema) return [];
  if (schema.$ref) {
    const ref = String(schema.$ref).split("/").pop()!;
    return variants(doc, doc.components?.schemas?.[ref], ref);
  }
  const options = schema.oneOf ?? schema.anyOf;
  if (!options?.length || schema.example !== undefined) return [[name, schema]];
  return options.flatMap((o: Schema) => variants(doc, o));
}

// A typical problem for each status, shaped as problemResponse() sends it.
const PROBLEMS: Record<number, [code: string, detail: string]> = {
  400: ["validation_failed", "The request is invalid"],
  401: ["invalid_api_key", "The API key is not valid"],
  403: ["insufficient_scope", "This call needs the write scope; the credential has read"],
  404: ["not_found", "Connection not found"],
  409: ["name_taken", 'A connection named "Analytics warehouse" already exists in this workspace'],
  412: ["precondition_failed", "The connection changed; GET it again"],
  413: ["body_too_large", "The request body is larger than 1048576 bytes"],
  415: ["unsupported_media_type", "Send the body as application/json"],
  422: ["capability_not_supported", "The s3 connector does not support listing tables"],
  429: ["rate_limited", "Too many metadata requests; retry in 12 s"],
  500: ["internal_error", "An unexpected error occurred"],
  502: ["upstream_error", "The data system answered with an error"],
  503: ["rate_limited", "The data system is busy; retry later"],
  504: ["timeout", "The data system did not answer in time"],
};

function problemExample(status: number) {
  const [code, detail] = PROBLEMS[status] ?? ["error", "Error"];
  const body: Record<string, unknown> = {
    type: `https://docs.connections-api.dev/problems/${code}`,
    title: titleFor(status),
    status,
    detail,
    code,
    requestId: "5f0c6f0e-7d1a-4d8e-9a53-3f1f0c2b9e11",
  };
  if (code === "validation_failed") body.errors = [{ path: "body.config.port", message: "Invalid input: expected number, received string" }];
  return body;
}

// Fills `example` on each request body and response media type that has none (in place).
export function addExamples<D extends Doc>(doc: D): D {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const media: Array<[any, number | undefined]> = [
        ...Object.values<any>(op.requestBody?.content ?? {}).map((m): [any, undefined] => [m, undefined]),
        ...Object.entries<any>(op.responses ?? {}).flatMap(([status, r]) => Object.values<any>(r.content ?? {}).map((m): [any, number] => [m, Number(status)])),
      ];
      for (const [m, status] of media) {
        if (m.example !== undefined || m.examples !== undefined) continue;
        if (status && status >= 400) {
          m.example = problemExample(status);
          continue;
        }
        const each = variants(doc, m.schema);
        if (each.length > 1 && each.every(([name]) => name)) {
          m.examples = Object.fromEntries(each.map(([name, v]) => [name, { summary: name, value: sample(doc, v) }]));
        } else m.example = sample(doc, m.schema);
      }
    }
  }
  return doc;
}
