import { describe, expect, it } from "vitest";
import { counters, MODES, reader, owner, withSession } from "./helpers";

// Sessions share no mutable state: concurrent sessions with different users, databases and endpoints
// each reach their own endpoint with their own identity.
describe("postgres concurrent sessions", () => {
  it("keeps concurrent sessions apart on every transport", async () => {
    const jobs = Array.from({ length: 8 }, (_, i) => {
      const mode = MODES[i % MODES.length]!;
      const creds = i % 4 < 2 ? owner() : reader();
      const database = i % 3 === 0 ? "other_db" : "sample";
      return withSession(
        mode,
        async (s, tag) => {
          const rs = await s.query!({ sql: "SELECT current_user::text, current_database()::text, pg_sleep(0.05)::text", maxRows: 1, timeoutMs: 5000 });
          return { mode, tag, expected: [creds.user, database], got: rs.rows[0]!.slice(0, 2) };
        },
        { creds, config: { database } },
      );
    });
    const results = await Promise.all(jobs);
    for (const r of results) {
      expect(r.got).toEqual(r.expected);
      const c = await counters(r.mode, r.tag);
      expect(r.mode === "http" ? c.requests : c.connections).toBe(1);
    }
  });
});
