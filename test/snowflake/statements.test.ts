// Statement protocol behaviour: calls send wake=true, so no warehouse-state check precedes them.
import { describe, expect, it } from "vitest";
import { RETRY } from "../../src/connectors/snowflake/client";
import { caught, expectNoSecrets, scope } from "./helpers";

// The statements client: 202 polling, partitions, retries, timeouts and cancel.

describe("snowflake statements", () => {
  it("polls a statement that outlives the synchronous window (202 then GET until 200)", async () => {
    const s = scope("async");
    await s.control({ syncWindowMs: 50, delayMs: 600 });
    const session = await s.open();
    const { value, trips } = await s.roundTrips("preview (202 + polling)", () => session.preview!({ schema: "SALES", table: "ORDERS", limit: 10, wake: true }));
    expect(value.rowCount).toBe(3);
    const st = await s.stats();
    expect(st.requests.post).toBe(1);
    expect(st.requests.get).toBeGreaterThanOrEqual(1);
    expect(st.statuses[0]).toBe(202);
    expect(st.statuses.at(-1)).toBe(200);
    expect(trips).toBe(st.requests.total);
  });

  it("fetches result partitions only as far as the row cap needs", async () => {
    const s = scope("partitions");
    await s.control({ partitionRows: 1000 });
    const session = await s.open(undefined, { limits: { queryRows: 1500 } });
    const capped = await s.roundTrips("query 2500 rows, cap 1500", () =>
      session.query!({ sql: "select n, label from big.numbers order by n", maxRows: 5000, timeoutMs: 10000, wake: true }),
    );
    expect(capped.value.rowCount).toBe(1500);
    expect(capped.value.truncated).toBe(true);
    expect(capped.value.rows[0]).toEqual(["1", "row 1"]);
    expect(capped.value.rows[1499]).toEqual(["1500", "row 1500"]);
    let st = await s.stats();
    expect(st.requests.partition).toBe(1); // partition 0 inline, partition 1 fetched, partition 2 never
    expect(capped.trips).toBe(2);

    const small = await session.query!({ sql: "select n from big.numbers order by n", maxRows: 999, timeoutMs: 10000, wake: true });
    expect(small.rowCount).toBe(999);
    expect(small.truncated).toBe(true);
    st = await s.stats();
    expect(st.requests.partition).toBe(1); // no partition fetched for the second query

    const all = await session.query!({ sql: "select n from big.numbers order by n", maxRows: 10000, timeoutMs: 10000, wake: true });
    expect(all.rowCount).toBe(1500); // still the session's queryRows cap
    const wide = await s.open(undefined, { limits: { queryRows: 3000 } });
    const { value: full, trips } = await s.roundTrips("query 2500 rows in 3 partitions", () =>
      wide.query!({ sql: "select n from big.numbers order by n", maxRows: 3000, timeoutMs: 10000, wake: true }),
    );
    expect(trips).toBe(3);
    expect(full.rowCount).toBe(2500);
    expect(full.truncated).toBe(false);
    expect(full.rows[2499]).toEqual(["2500"]);
  });

  it("retries 429 and 503 with backoff, honouring Retry-After", async () => {
    const s = scope("retry");
    const session = await s.open();
    await s.control({ fail: { status: 429, count: 2, retryAfter: 0 } });
    const a = await s.roundTrips("listCatalogs with two 429s", () => session.listCatalogs!({ limit: 1 }));
    expect(a.value.data).toHaveLength(1);
    expect(a.trips).toBe(3);
    await s.control({ fail: { status: 503, count: 1 } });
    const b = await s.roundTrips("listCatalogs with one 503", () => session.listCatalogs!({ limit: 1 }));
    expect(b.trips).toBe(2);
    expect((await s.stats()).statuses).toEqual([429, 429, 200, 503, 200]);
  });

  it("gives up after a capped number of attempts with rate_limited and the Retry-After", async () => {
    const s = scope("retry-cap");
    const session = await s.open();
    await s.control({ fail: { status: 429, count: 50, retryAfter: 0 } });
    const err = await caught(session.listCatalogs!({ limit: 1 }));
    expect(err.code).toBe("rate_limited");
    expect(err.detail.engineCode).toBe("390505");
    expect((await s.stats()).requests.total).toBe(RETRY.attempts);
    await s.control({ fail: { status: 503, count: 50 } });
    const err2 = await caught(session.listCatalogs!({ limit: 1 }));
    expect(err2.code).toBe("upstream_error");
    expect((await s.stats()).requests.total).toBe(2 * RETRY.attempts);
    // A Retry-After longer than the time left is not waited for.
    await s.control({ fail: { status: 429, count: 1, retryAfter: 3600 } });
    const err3 = await caught(session.listCatalogs!({ limit: 1 }));
    expect(err3.code).toBe("rate_limited");
    expect(err3.detail.retryAfterSeconds).toBe(3600);
  });

  it("resubmits a POST whose answer was lost with the same requestId and retry=true, without running it twice", async () => {
    const s = scope("retry-idem");
    const session = await s.open();
    await s.control({ fail: { status: 503, count: 1, afterExecute: true } });
    const r = await session.preview!({ schema: "SALES", table: "ORDERS", limit: 1, wake: true });
    expect(r.rowCount).toBe(1);
    const st = await s.stats();
    expect(st.requests.post).toBe(2);
    expect(st.executions).toBe(1);
  });

  it("passes the statement timeout to Snowflake: a statement it cancels answers 408 -> timeout", async () => {
    const s = scope("timeout-408");
    await s.control({ syncWindowMs: 10000, delayMs: 5000 });
    const session = await s.open(undefined, { timeoutMs: 10000 });
    const err = await caught(session.query!({ sql: "select 1 as x", maxRows: 1, timeoutMs: 1000, wake: true }));
    expect(err.code).toBe("timeout");
    expect(err.detail.engineCode).toBe("000630");
    expect((await s.stats()).statuses).toEqual([408]);
  });

  it("cancels a statement still running at the deadline (POST .../cancel) and reports a timeout", async () => {
    const s = scope("cancel");
    await s.control({ syncWindowMs: 50, delayMs: 10000 });
    const session = await s.open(undefined, { timeoutMs: 10000 });
    const { value: err } = await s.roundTrips("query cancelled at its 1.5 s deadline", () =>
      caught(session.query!({ sql: "select 1 as x", maxRows: 1, timeoutMs: 1500, wake: true })),
    );
    expect(err.code).toBe("timeout");
    expect(err.message).toContain("cancelled");
    expectNoSecrets(err.message);
    const st = await s.stats();
    expect(st.requests.cancel).toBe(1);
    expect(st.cancels).toHaveLength(1);
    expect(st.statuses.at(-1)).toBe(200); // the cancel itself
    expect(st.executions).toBe(0); // cancelled before it ran
  });
});
