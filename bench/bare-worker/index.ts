// The bare baseline: one D1 SELECT per request, answered as JSON.
import { Hono } from "hono";

type Env = { Bindings: { DB: D1Database } };
const app = new Hono<Env>();

app.get("/connections/:id", async (c) => {
  const row = await c.env.DB.prepare("SELECT * FROM connections WHERE id = ?").bind(c.req.param("id")).first();
  return row ? c.json(row) : c.json({ error: "not found" }, 404);
});

app.get("/connections", async (c) => {
  const { results } = await c.env.DB.prepare(
    "SELECT * FROM connections WHERE workspace_id = ? AND type = ? ORDER BY id LIMIT 51",
  )
    .bind(c.req.header("x-workspace") ?? "", c.req.query("type") ?? "")
    .all();
  return c.json({ data: results.slice(0, 50), nextCursor: results.length > 50 ? "more" : null });
});

export default app;
