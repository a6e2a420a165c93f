// A small JSON Schema checker for the subset the generated OpenAPI document uses ($ref, type,
// properties, required, additionalProperties, items, enum, const, anyOf/oneOf, nullable via types).
type Doc = { components: { schemas: Record<string, any> } };

export function validate(doc: Doc, schema: any, value: unknown, path = "$"): string[] {
  if (!schema || schema === true) return [];
  if (schema.$ref) return validate(doc, doc.components.schemas[schema.$ref.split("/").pop()], value, path);
  if (schema.anyOf || schema.oneOf) {
    const options: any[] = schema.anyOf ?? schema.oneOf;
    return options.some((s) => validate(doc, s, value, path).length === 0) ? [] : [`${path}: matches no alternative`];
  }
  const errors: string[] = [];
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not one of ${schema.enum.join(",")}`);
  const types: string[] | undefined = schema.type ? (Array.isArray(schema.type) ? schema.type : [schema.type]) : undefined;
  if (schema.nullable && value === null) return errors;
  if (types) {
    const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    const ok = types.some((t) => t === actual || (t === "integer" && typeof value === "number" && Number.isInteger(value)) || (t === "number" && actual === "number"));
    if (!ok) return [...errors, `${path}: expected ${types.join("|")}, got ${actual}`];
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const req of schema.required ?? []) if (!(req in obj)) errors.push(`${path}.${req}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (schema.properties?.[k]) errors.push(...validate(doc, schema.properties[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${k}: not allowed`);
      else if (typeof schema.additionalProperties === "object") errors.push(...validate(doc, schema.additionalProperties, v, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(doc, schema.items, v, `${path}[${i}]`)));
  return errors;
}
