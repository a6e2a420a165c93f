import { z } from "@hono/zod-openapi";
import { badRequest } from "./errors";
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from "./encoding";

// Cursors are opaque to clients: base64url JSON tagged with what they page over, so a cursor from
// one list is refused by another instead of silently returning the wrong page.
export function encodeCursor(kind: string, position: string): string {
  return toBase64Url(utf8.encode(JSON.stringify({ k: kind, p: position })));
}

export function decodeCursor(kind: string, cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const parsed = JSON.parse(fromUtf8.decode(fromBase64Url(cursor))) as { k?: unknown; p?: unknown };
    if (parsed.k === kind && typeof parsed.p === "string") return parsed.p;
  } catch {
    // fall through to the error below
  }
  throw badRequest("invalid_cursor", "The cursor is not valid for this list", [
    { path: "cursor", message: "pass back a nextCursor value from this list unchanged" },
  ]);
}

export const limitParam = (def: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(def)
    .openapi({ description: `Page size (default ${def}, at most ${max})`, example: def });

export const cursorParam = z
  .string()
  .max(4096)
  .optional()
  .openapi({ description: "nextCursor from the previous page" });

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

// Keyset pages: the query asks for limit + 1 rows ordered by id; the extra row only says "there is more".
export function keysetPage<R extends { id: string }, T>(kind: string, rows: R[], limit: number, present: (row: R) => T) {
  const page = rows.slice(0, limit);
  return {
    data: page.map(present),
    nextCursor: rows.length > limit ? encodeCursor(kind, page[page.length - 1]!.id) : null,
  };
}
