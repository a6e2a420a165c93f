import { describe, expect, it } from "vitest";
import type { ConnectorSession } from "../../src/connectors/types";
import { counters, MODES, openSession, type Mode } from "./helpers";

// Round trips per operation, read from the server side: HTTP requests seen by the Neon contract
// server; WebSocket "turns" seen by the proxy (the client spoke after the server had answered).
// The WebSocket session connects once (startup + SCRAM) and then pays per operation.
type Op = [string, (s: ConnectorSession) => Promise<unknown>];
const OPS: Op[] = [
  ["listCatalogs", (s) => s.listCatalogs!({ limit: 100 })],
  ["listSchemas", (s) => s.listSchemas!({}, { limit: 100 })],
  ["listTables", (s) => s.listTables!({ schema: "many" }, { limit: 100 })],
  ["listColumns", (s) => s.listColumns!({ schema: "wide", table: "wide" }, { limit: 500 })],
  ["preview", (s) => s.preview!({ schema: "sales", table: "orders", limit: 10 })],
  ["preview (enum column)", (s) => s.preview!({ schema: "types", table: "all_types", limit: 10 })],
  ["query", (s) => s.query!({ sql: "SELECT * FROM sales.customers", maxRows: 100, timeoutMs: 5000 })],
  ["test", (s) => s.test()],
];

// Expected per-operation round trips once connected (WebSocket) or per call (HTTP).
const EXPECTED: Record<Mode, Record<string, number>> = {
  http: { listCatalogs: 1, listSchemas: 1, listTables: 1, listColumns: 1, preview: 1, "preview (enum column)": 1, query: 1, test: 1 },
  websocket: { listCatalogs: 1, listSchemas: 1, listTables: 1, listColumns: 1, preview: 1, "preview (enum column)": 1, query: 1, test: 1 },
  // Over websocket and tcp the database's own types ride along with the statement, as over HTTP.
  tcp: { listCatalogs: 1, listSchemas: 1, listTables: 1, listColumns: 1, preview: 1, "preview (enum column)": 1, query: 1, test: 1 },
};

describe.each(MODES)("round trips over %s", (mode) => {
  it("costs the expected round trips per operation", async () => {
    const report: Record<string, number | string> = {};
    for (const [name, op] of OPS) {
      const { session, tag } = await openSession(mode);
      // Warm up (WebSocket: connect and authenticate) so the operation's own cost is measured.
      if (mode !== "http") await session.listCatalogs!({ limit: 1 });
      const before = await counters(mode, tag);
      await op(session);
      const after = await counters(mode, tag);
      await session.close!();
      const closed = await counters(mode, tag);
      report[name] = after.turns - before.turns;
      if (mode !== "http" && name === "listCatalogs") {
        report["connect (startup + SCRAM)"] = before.turns - 1;
        report["close (Terminate, no reply)"] = closed.turns - after.turns;
        report["connections per session"] = closed.connections;
      }
    }
    console.log(`[postgres ${mode}] round trips per operation: ${JSON.stringify(report)}`);
    for (const [name, n] of Object.entries(EXPECTED[mode])) expect([name, report[name]]).toEqual([name, n]);
  });
});
