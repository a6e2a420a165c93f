import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-types";
import { setAnswerHeader } from "./answer-headers";
import { openDb } from "../db/client";

const BOOKMARK_HEADER = "x-d1-bookmark";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

// A request id on every answer: a sane incoming one is kept so callers can correlate.
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = incoming && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming) ? incoming : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  setAnswerHeader(c, "x-request-id", id);
});

// A D1 session per API request. Reads start at the nearest replica unless the client sends the
// bookmark of its last write; writes start at the primary. The new bookmark goes back.
export const d1Session = createMiddleware<AppEnv>(async (c, next) => {
  const bookmark = c.req.header(BOOKMARK_HEADER);
  const valid = bookmark && /^[A-Za-z0-9-]{1,256}$/.test(bookmark) ? bookmark : undefined;
  const session = c.env.DB.withSession(valid ?? (SAFE.has(c.req.method) ? "first-unconstrained" : "first-primary"));
  c.set("db", openDb(session));
  await next();
  const out = session.getBookmark();
  if (out) setAnswerHeader(c, BOOKMARK_HEADER, out);
});
