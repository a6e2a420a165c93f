import { ConnectorError } from "../errors";
import type { ConnectorContext } from "../types";
import type { SnowflakeAuth } from "./auth";
import type { SnowflakeConfig } from "./config";
import type { RowTypeEntry } from "./decode";
import { scrub, snowflakeError, type SnowflakeErrorBody } from "./errors";

// The SQL API v2 statements client: one statement per request (MULTI_STATEMENT_COUNT=1) with a
// statement timeout; the synchronous answer is used when it comes (one round trip), otherwise the
// handle is polled with backoff until done or the deadline, when the statement is cancelled. Result
// partitions are fetched one by one only as far as the row and byte budgets need. 429/5xx are retried
// a few times with capped, jittered backoff honouring Retry-After; a resubmitted POST keeps its
// requestId and adds retry=true so Snowflake does not run it twice.

export type Binding = { type: "TEXT" | "FIXED" | "BOOLEAN" | "REAL"; value: string };

export type ExecuteOptions = {
  bindings?: Binding[];
  timeoutMs: number;
  maxRows: number;
  maxBytes?: number;
  database?: string;
  schema?: string;
};

export type StatementResult = {
  handle: string;
  rowType: RowTypeEntry[];
  rows: (string | null)[][];
  numRows: number;
  truncated: boolean;
  partitionCount: number;
  partitionsFetched: number;
};

type ResultSet = {
  statementHandle: string;
  resultSetMetaData?: { numRows?: number; rowType?: RowTypeEntry[]; partitionInfo?: unknown[] };
  data?: (string | null)[][];
};

export const RETRY = { attempts: 4, baseMs: 100, capMs: 2000, retryAfterCapMs: 5000 };
const POLL = { firstMs: 100, factor: 2, capMs: 1000 };
const USER_AGENT = "connections-api/0.1";
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

function retryAfterMs(res: Response): number | undefined {
  const h = res.headers.get("Retry-After");
  if (!h) return undefined;
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class SnowflakeClient {
  readonly base: string;
  roundTrips = 0;

  constructor(
    private readonly config: SnowflakeConfig,
    host: string,
    private readonly auth: SnowflakeAuth,
    private readonly ctx: ConnectorContext,
  ) {
    this.base = (config.endpoint ?? `https://${host}`).replace(/\/+$/, "");
  }

  private async parse(res: Response): Promise<unknown> {
    const text = await res.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  private fail(res: Response, body: unknown): ConnectorError {
    const ra = retryAfterMs(res);
    return snowflakeError(res.status, body as SnowflakeErrorBody | null, this.auth.secrets, ra !== undefined ? Math.ceil(ra / 1000) : undefined);
  }

  // One HTTP exchange with retries on 429/5xx/network errors and one re-authentication on an expired JWT.
  private async send(method: "GET" | "POST", path: (attempt: number) => string, body: unknown, until: number): Promise<{ res: Response; json: unknown }> {
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        ...(await this.auth.headers()),
        Accept: "application/json",
        "User-Agent": USER_AGENT,
      };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let res: Response;
      try {
        this.roundTrips++;
        res = await this.ctx.fetch(`${this.base}${path(attempt)}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: "manual",
        });
      } catch (err) {
        const retryable = !(err instanceof ConnectorError) || err.code === "unreachable";
        if (!retryable) throw err;
        if (this.ctx.signal.aborted || Date.now() >= until) throw new ConnectorError("timeout", "Snowflake did not answer before the deadline.");
        if (attempt + 1 >= RETRY.attempts) {
          if (err instanceof ConnectorError) throw err;
          throw new ConnectorError("unreachable", scrub(`Could not reach Snowflake at ${new URL(this.base).host}: ${(err as Error).message}`, this.auth.secrets));
        }
        await this.backoff(attempt, undefined, until);
        continue;
      }
      const json = await this.parse(res);
      if (res.status === 401 && !refreshed && (json as SnowflakeErrorBody | null)?.code === "390198" && (await this.auth.refresh())) {
        refreshed = true;
        attempt--;
        continue;
      }
      if (RETRYABLE.has(res.status) && attempt + 1 < RETRY.attempts) {
        const ra = retryAfterMs(res);
        // Honour Retry-After; when it asks for longer than we may wait, give up and pass it on.
        if (ra !== undefined && (ra > RETRY.retryAfterCapMs || Date.now() + ra >= until)) throw this.fail(res, json);
        const waited = await this.backoff(attempt, ra, until);
        if (!waited) throw this.fail(res, json);
        continue;
      }
      return { res, json };
    }
  }

  // Sleeps before the next attempt; false when the deadline leaves no room for one.
  private async backoff(attempt: number, retryAfter: number | undefined, until: number): Promise<boolean> {
    const exp = Math.min(RETRY.capMs, RETRY.baseMs * 2 ** attempt);
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const wait = retryAfter !== undefined ? Math.max(retryAfter, Math.min(jittered, RETRY.capMs)) : jittered;
    if (Date.now() + wait >= until) return false;
    await sleep(wait, this.ctx.signal);
    return true;
  }

  async cancel(handle: string): Promise<void> {
    try {
      await this.send("POST", () => `/api/v2/statements/${encodeURIComponent(handle)}/cancel`, undefined, this.ctx.deadline);
    } catch {
      // Best effort: the statement timeout passed to Snowflake cancels it anyway.
    }
  }

  async execute(statement: string, opts: ExecuteOptions): Promise<StatementResult> {
    const started = Date.now();
    const hardDeadline = Math.min(this.ctx.deadline, started + opts.timeoutMs);
    // Keep time to send the cancel request before the context's own deadline cuts fetches off.
    const reserve = Math.min(1000, Math.max(150, opts.timeoutMs * 0.1));
    const until = hardDeadline - reserve;
    const requestId = crypto.randomUUID();
    const body: Record<string, unknown> = {
      statement,
      // Snowflake's own statement timeout backs up our cancel; ours fires first (it runs `reserve` early).
      timeout: Math.max(1, Math.ceil((hardDeadline - started) / 1000)),
      parameters: { MULTI_STATEMENT_COUNT: "1" },
    };
    const database = opts.database ?? this.config.database;
    const schema = opts.schema ?? (opts.database ? undefined : this.config.schema);
    if (database) body.database = database;
    if (schema) body.schema = schema;
    if (this.config.warehouse) body.warehouse = this.config.warehouse;
    if (this.config.role) body.role = this.config.role;
    if (opts.bindings?.length) body.bindings = Object.fromEntries(opts.bindings.map((b, i) => [String(i + 1), b]));

    let { res, json } = await this.send(
      "POST",
      (attempt) => `/api/v2/statements?requestId=${requestId}${attempt > 0 ? "&retry=true" : ""}`,
      body,
      until,
    );
    let delay = POLL.firstMs;
    while (res.status === 202) {
      const handle = (json as { statementHandle?: string } | null)?.statementHandle;
      if (!handle) throw new ConnectorError("upstream_error", "Snowflake answered 202 without a statement handle.");
      const left = until - Date.now();
      if (left <= 0) {
        await this.cancel(handle);
        throw new ConnectorError("timeout", `The Snowflake statement did not finish within ${opts.timeoutMs} ms and was cancelled.`, {
          engineCode: "000604",
        });
      }
      await sleep(Math.min(delay, left), this.ctx.signal);
      delay = Math.min(POLL.capMs, delay * POLL.factor);
      if (Date.now() >= until) continue; // cancel on the next turn
      ({ res, json } = await this.send("GET", () => `/api/v2/statements/${encodeURIComponent(handle)}`, undefined, until));
    }
    if (res.status !== 200) throw this.fail(res, json);
    const rs = json as ResultSet | null;
    const meta = rs?.resultSetMetaData;
    if (!rs?.statementHandle || !meta?.rowType || !Array.isArray(rs.data)) {
      throw new ConnectorError("upstream_error", "Snowflake returned a result without resultSetMetaData or data.");
    }
    const partitionCount = Math.max(1, meta.partitionInfo?.length ?? 1);
    const numRows = meta.numRows ?? rs.data.length;
    const rows: (string | null)[][] = [];
    let bytes = 0;
    let cut = false;
    const take = (data: (string | null)[][]) => {
      for (const row of data) {
        if (rows.length >= opts.maxRows) return (cut = true);
        bytes += JSON.stringify(row).length;
        if (opts.maxBytes !== undefined && bytes > opts.maxBytes && rows.length > 0) return (cut = true);
        rows.push(row);
      }
      return false;
    };
    take(rs.data);
    let fetched = 1;
    for (let p = 1; p < partitionCount && !cut && rows.length < opts.maxRows; p++) {
      if (Date.now() >= until) throw new ConnectorError("timeout", "Snowflake result partitions could not be read before the deadline.");
      const got = await this.send("GET", () => `/api/v2/statements/${encodeURIComponent(rs.statementHandle)}?partition=${p}`, undefined, until);
      if (got.res.status !== 200) throw this.fail(got.res, got.json);
      const data = (got.json as { data?: (string | null)[][] } | null)?.data;
      if (!Array.isArray(data)) throw new ConnectorError("upstream_error", `Snowflake result partition ${p} has no data.`);
      fetched++;
      take(data);
    }
    return {
      handle: rs.statementHandle,
      rowType: meta.rowType,
      rows,
      numRows,
      truncated: cut || numRows > rows.length,
      partitionCount,
      partitionsFetched: fetched,
    };
  }
}
