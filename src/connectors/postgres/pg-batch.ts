import type { PgField } from "./transport";

// Several statements sent to node-postgres as one "submittable" (the driver's documented extension
// point for custom queries, used by pg-cursor): each is an unnamed Parse/Bind/Execute, all under one
// Sync, so they leave in one write and cost one round trip. Under one Sync an error skips every later
// statement (the server discards messages up to the Sync), which is what lets a read-only start or a
// preflight stop the user's statement. Only unnamed statements and portals are used: nothing outlives
// the Sync, which transaction poolers (PgBouncer) need. The driver does the framing and parsing.

export type BatchStatement = { text: string; values: Array<string | null>; describe: boolean };

export type ByteLimit = {
  bytes: number;
  /** "truncate": keep rows up to just past the limit and drop the rest; "fail": close and fail. */
  mode: "truncate" | "fail";
};

export type BatchResult = {
  fields: PgField[];
  rows: Array<Array<string | null>>;
  command: string;
  rowCount: number | null;
};

/** A result past its "fail" byte limit: the connection is closed (the rest is not read). */
export class ResultTooLargeError extends Error {
  override name = "ResultTooLargeError";
}

// The parts of the driver's Connection a submittable uses (pg/lib/connection.js).
type Connection = {
  parse(q: { text: string; name: string; types: number[] }): void;
  bind(b: { portal: string; statement: string; values: Array<string | null> }): void;
  describe(d: { type: "P"; name: string }): void;
  execute(e: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  stream: { cork?: () => void; uncork?: () => void; destroy: () => void };
};
// "truncate" mode: how much may be read and dropped past the limit before the result fails instead.
const MAX_DROPPED_BYTES = 64 << 20;

type RowDescription = { fields: Array<{ name: string; dataTypeID: number }> };
type DataRow = { fields: Array<string | null> };
type CommandComplete = { text: string };

export class PgBatch {
  private index = 0;
  private results: BatchResult[];
  private bytes: number[];
  private error: Error | null = null;
  private settled = false;
  private connection: Connection | null = null;
  readonly done: Promise<BatchResult[]>;
  private resolve!: (r: BatchResult[]) => void;
  private reject!: (e: Error) => void;

  constructor(
    private readonly statements: BatchStatement[],
    private readonly limit: ByteLimit,
  ) {
    this.results = statements.map(() => ({ fields: [], rows: [], command: "", rowCount: null }));
    this.bytes = statements.map(() => 0);
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Connection): null {
    this.connection = connection;
    connection.stream.cork?.();
    try {
      for (const s of this.statements) {
        connection.parse({ text: s.text, name: "", types: [] });
        connection.bind({ portal: "", statement: "", values: s.values });
        if (s.describe) connection.describe({ type: "P", name: "" });
        connection.execute({ portal: "", rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: RowDescription) {
    const r = this.results[this.index];
    if (r) r.fields = msg.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
  }

  handleDataRow(msg: DataRow) {
    const r = this.results[this.index];
    if (!r || this.error) return;
    let size = 0;
    for (const v of msg.fields) size += 4 + (v === null ? 0 : v.length);
    const before = this.bytes[this.index]!;
    this.bytes[this.index] = before + size;
    // The row that crosses the limit is kept, so the row set notices the truncation.
    if (before <= this.limit.bytes) {
      r.rows.push(msg.fields);
      return;
    }
    if (this.limit.mode === "truncate" && before + size <= this.limit.bytes + MAX_DROPPED_BYTES) return;
    this.error = new ResultTooLargeError(`the result exceeded ${this.limit.bytes} bytes`);
    this.connection?.stream.destroy();
    this.finish();
  }

  handleCommandComplete(msg: CommandComplete) {
    const r = this.results[this.index];
    if (r) {
      r.command = msg.text;
      const m = /(\d+)$/.exec(msg.text);
      r.rowCount = m ? Number(m[1]) : null;
    }
    this.index++;
  }

  handleEmptyQuery() {
    this.index++;
  }

  handleError(err: Error) {
    // The driver detaches the query on an error (its ReadyForQuery is not passed on): settle now.
    this.error ??= err;
    this.finish();
  }

  handleReadyForQuery() {
    this.finish();
  }

  handlePortalSuspended() {}
  handleCopyInResponse(connection: Connection) {
    connection.sendCopyFail("COPY FROM STDIN is not supported");
  }
  handleCopyData() {}

  private finish() {
    if (this.settled) return;
    this.settled = true;
    if (this.error) this.reject(this.error);
    else this.resolve(this.results);
  }
}
