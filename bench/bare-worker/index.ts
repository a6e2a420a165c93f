// The bare baseline: one D1 SELECT per request, answered as JSON. Two settings add, one at a time,
// the platform calls our Worker's behaviours need, with no other code around them, so the bench can
// tell our own cost from theirs (see bench/throughput.ts):
// - LIMIT=true: one call of the rate-limiting binding RL per request (ours: the metadata limit);
// - KEY_CHECK=true: the API key's row read in the same D1 batch as the query (ours: the key check);
// - SESSION=true: the reads go through a D1 session (withSession("first-unconstrained"), so a replica
//   may answer) and its bookmark goes back in X-D1-Bookmark (ours: replica reads, read-your-writes).
import { Hono } from "hono";

type Env = { Bindings: { DB: D1Database; RL?: RateLimit; LIMIT?: string; KEY_CHECK?: string; SESSION?: string } };
const app = new Hono<Env>();

const KEY_ROW = "SELECT * FROM api_keys WHERE id = ?";

type Ctx = { env: Env["Bindings"]; req: { header(name: string): string | undefined }; header(name: string, value: string): void };

async function rows(c: Ctx, sql: string, ...params: unknown[]) {
  const db = c.env.SESSION === "true" ? c.env.DB.withSession("first-unconstrained") : c.env.DB;
  const query = db.prepare(sql).bind(...params);
  const limited = c.env.LIMIT === "true" && c.env.RL ? c.env.RL.limit({ key: c.req.header("x-key") ?? "" }) : null;
  let results: Record<string, unknown>[];
  if (c.env.KEY_CHECK === "true") {
    const [key, data] = await db.batch<Record<string, unknown>>([db.prepare(KEY_ROW).bind(c.req.header("x-key") ?? ""), query]);
    if (!key!.results.length) throw new Error("no such key");
    results = data!.results;
  } else results = (await query.all<Record<string, unknown>>()).results;
  if (limited && !(await limited).success) throw new Error("rate limited");
  if ("getBookmark" in db) {
    const bookmark = db.getBookmark();
    if (bookmark) c.header("x-d1-bookmark", bookmark);
  }
  return results;
}

app.get("/connections/:id", async (c) => {
  const [row] = await rows(c, "SELECT * FROM connections WHERE id = ?", c.req.param("id"));
  return row ? c.json(row) : c.json({ error: "not found" }, 404);
});

app.get("/connections", async (c) => {
  const results = await rows(c, "SELECT * FROM connections WHERE workspace_id = ? AND type = ? ORDER BY id LIMIT 51", c.req.header("x-workspace") ?? "", c.req.query("type") ?? "");
  return c.json({ data: results.slice(0, 50), nextCursor: results.length > 50 ? "more" : null });
});

export default app;
