import type { Context } from "hono";

// Sets a header on the answer after the handler has made it. Hono's c.header() at that point copies
// the whole Response first (in case its headers are immutable, as a fetched response's are); our
// answers are built here (c.json, problem+json), so their headers are changed in place, and only a
// response with immutable headers takes Hono's copy.
export function setAnswerHeader(c: Context, name: string, value: string, append = false) {
  if (c.finalized) {
    try {
      if (append) c.res.headers.append(name, value);
      else c.res.headers.set(name, value);
      return;
    } catch {
      // immutable headers: fall through
    }
  }
  c.header(name, value, { append });
}
