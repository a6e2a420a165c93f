import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

// Checks the contract server's own responses against the vendor OpenAPI document
// (test/servers/specs/snowflake-sqlapi.yaml, source and licence in specs/SOURCES.md): the subset of OpenAPI 3.0 schema keywords that document uses
// (type, properties, required, items, enum, minItems, minimum, nullable, format uuid/int64, $ref).
// Real responses carry JSON null for non-applicable rowType attributes (length/precision/scale), which
// the spec does not mark nullable; that one documented deviation is allowed explicitly, nothing else.

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  minItems?: number;
  minimum?: number;
  nullable?: boolean;
  format?: string;
};

export const ALLOWED_NULLS = new Set(["$.resultSetMetaData.rowType[].length", "$.resultSetMetaData.rowType[].precision", "$.resultSetMetaData.rowType[].scale"]);

// Kept in the repository so a clean clone needs nothing beside it; a missing file fails loudly.
const SPEC_PATH = fileURLToPath(new URL("./specs/snowflake-sqlapi.yaml", import.meta.url));

export class SpecValidator {
  readonly path = SPEC_PATH;
  private doc: { components: { schemas: Record<string, Schema> } } | null = null;
  checked = 0;
  readonly violations: string[] = [];

  constructor() {
    this.doc = parse(readFileSync(this.path, "utf8"));
  }

  get loaded() {
    return this.doc !== null;
  }

  // Validates `value` against components.schemas[name]; records violations with a context label.
  check(name: "ResultSet" | "QueryStatus" | "QueryFailureStatus" | "CancelStatus", value: unknown, label: string): void {
    if (!this.doc) return;
    const schema = this.doc.components.schemas[name];
    if (!schema) {
      this.violations.push(`${label}: schema ${name} missing from the spec`);
      return;
    }
    this.checked++;
    const errs: string[] = [];
    this.walk(schema, value, "$", errs);
    for (const e of errs) this.violations.push(`${label} (${name}): ${e}`);
  }

  private resolve(s: Schema): Schema {
    if (!s.$ref) return s;
    const name = s.$ref.replace("#/components/schemas/", "");
    return this.doc!.components.schemas[name] ?? {};
  }

  private walk(raw: Schema, v: unknown, path: string, errs: string[]): void {
    const s = this.resolve(raw);
    const generic = path.replace(/\[\d+\]/g, "[]");
    if (v === null) {
      if (!s.nullable && !ALLOWED_NULLS.has(generic)) errs.push(`${path} is null`);
      return;
    }
    switch (s.type) {
      case "object":
        if (typeof v !== "object" || Array.isArray(v)) return void errs.push(`${path} is not an object`);
        for (const r of s.required ?? []) if (!(r in (v as object))) errs.push(`${path}.${r} is required`);
        for (const [k, sub] of Object.entries(s.properties ?? {})) {
          if (k in (v as object)) this.walk(sub, (v as Record<string, unknown>)[k], `${path}.${k}`, errs);
        }
        break;
      case "array":
        if (!Array.isArray(v)) return void errs.push(`${path} is not an array`);
        if (s.minItems !== undefined && v.length < s.minItems) errs.push(`${path} has fewer than ${s.minItems} items`);
        if (s.items) v.forEach((x, i) => this.walk(s.items!, x, `${path}[${i}]`, errs));
        break;
      case "string":
        if (typeof v !== "string") return void errs.push(`${path} is not a string`);
        if (s.format === "uuid" && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) errs.push(`${path} is not uuid-shaped`);
        break;
      case "integer":
        if (typeof v !== "number" || !Number.isInteger(v)) return void errs.push(`${path} is not an integer`);
        if (s.minimum !== undefined && v < s.minimum) errs.push(`${path} is below ${s.minimum}`);
        break;
      case "number":
        if (typeof v !== "number") errs.push(`${path} is not a number`);
        break;
      case "boolean":
        if (typeof v !== "boolean") errs.push(`${path} is not a boolean`);
        break;
    }
    if (s.enum && !s.enum.includes(v)) errs.push(`${path} is not one of ${s.enum.join(", ")}`);
  }
}

