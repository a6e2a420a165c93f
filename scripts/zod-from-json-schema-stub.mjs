// Stand-in for zod's fromJSONSchema in the Worker bundle: the API never builds schemas from JSON Schema.
export function fromJSONSchema() {
  throw new Error("fromJSONSchema is not included in this bundle");
}
