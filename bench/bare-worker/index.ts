// The bare baseline: one D1 SELECT per request, answered as JSON. Two settings add, one at a time,
// the platform calls our Worker's behaviours need, with no other code around them, so the bench can
// tell our own cost from theirs (see bench/throughput.ts):
// - LIMIT=true: one call of the rate-limiting binding RL per request (ours: the metadata limit);
// - KEY_CHECK=true: the API key's row read in the same D1 batch as the query (ours: the key check).
import { Hono } from "hono";

type Env = { Bindings: { DB: D1Database; RL?: RateLimit; LIMIT?: string; KEY_CHECK?: string } };
const app = new Hono<Env>();

const KEY_ROW = "SELECT * FROM api_keys WHERE id = ?";

async function rows(c: { env: Env["Bindings"]; req: { header(name: string): string | undefined } }, query: D1PreparedStatement) {
  const limited = c.env.LIMIT === "true" && c.env.RL ? c.env.RL.limit({ key: c.req.header("x-key") ?? "" }) : null;
  let results: Record<string, unknown>[];
  if (c.env.KEY_CHECK === "true") {
    const [key, data] = await c.env.DB.batch<Record<string, unknown>>([c.env.DB.prepare(KEY_ROW).bind(c.req.header("x-key") ?? ""), query]);
    if (!key!.results.length) throw new Error("no such key");
    results = data!.results;
  } else results = (await query.all<Record<string, unknown>>()).results;
  if (limited && !(await limited).success) throw new Error("rate limited");
  return results;
}

app.get("/connections/:id", async (c) => {
  const [row] = await rows(c, c.env.DB.prepare("SELECT * FROM connections WHERE id = ?").bind(c.req.param("id")));
  return row ? c.json(row) : c.json({ error: "not found" }, 404);
});

app.get("/connections", async (c) => {
  const results = await rows(
    c,
    c.env.DB.prepare("SELECT * FROM connections WHERE workspace_id = ? AND type = ? ORDER BY id LIMIT 51").bind(c.req.header("x-workspace") ?? "", c.req.query("type") ?? ""),
  );
  return c.json({ data: results.slice(0, 50), nextCursor: results.length > 50 ? "more" : null });
});

export default app;
