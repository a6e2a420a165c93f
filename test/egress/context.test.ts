import { afterEach, describe, expect, it, vi } from "vitest";
import { clampLimits, createConnectorContext, MAX_REDIRECTS } from "../../src/connectors/context";
import { ConnectorError } from "../../src/connectors/errors";

// The network is simulated by replacing the runtime's global fetch for the duration of a test: the
// wrapper's own logic (URL checks, manual redirects, deadline, error mapping) is what is under test.
type Call = { url: string; method: string; body: string | null; redirect: string | undefined; signal: AbortSignal | null };
type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

function network(handler: Handler) {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    calls.push({
      url: url.href,
      method: init.method ?? "GET",
      body: typeof init.body === "string" ? init.body : null,
      redirect: init.redirect,
      signal: init.signal ?? null,
    });
    if (init.signal?.aborted) throw init.signal.reason;
    return handler(url, init);
  });
  return calls;
}

const redirect = (location: string, status = 302) => new Response(null, { status, headers: { location } });

const ctxWith = (over: Partial<Parameters<typeof createConnectorContext>[0]> = {}) =>
  createConnectorContext({ allowPrivateNetwork: false, timeoutMs: 5000, limits: clampLimits({}), ...over });

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    return err as ConnectorError;
  }
  throw new Error("expected a rejection");
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("createConnectorContext", () => {
  it("exposes the deadline, limits, signal and egress setting", () => {
    const before = Date.now();
    const limits = clampLimits({ queryRows: 50 });
    const ctx = createConnectorContext({ allowPrivateNetwork: true, timeoutMs: 2000, limits });
    expect(ctx.deadline).toBeGreaterThanOrEqual(before + 2000);
    expect(ctx.deadline).toBeLessThanOrEqual(Date.now() + 2000);
    expect(ctx.limits).toBe(limits);
    expect(ctx.allowPrivateNetwork).toBe(true);
    expect(ctx.signal.aborted).toBe(false);
  });

  it("assertAllowed applies the egress rules", () => {
    const ctx = ctxWith({ allowedHosts: ["*.example.com"] });
    expect(() => ctx.assertAllowed("wss://db.example.com/ws")).not.toThrow();
    expect(() => ctx.assertAllowed("wss://example.org/ws")).toThrow(ConnectorError);
    const e = (() => {
      try {
        ctxWith().assertAllowed("http://169.254.169.254/latest/meta-data/iam");
      } catch (err) {
        return err as ConnectorError;
      }
    })();
    expect(e?.code).toBe("host_not_allowed");
  });
});

describe("ConnectorContext.fetch", () => {
  it("refuses a private or unlisted host before anything goes out", async () => {
    const calls = network(() => new Response("no"));
    expect((await rejection(ctxWith().fetch("http://127.0.0.1:5432/"))).code).toBe("host_not_allowed");
    expect((await rejection(ctxWith().fetch("http://[::ffff:7f00:1]/"))).code).toBe("host_not_allowed");
    const listed = ctxWith({ allowedHosts: ["api.example.com"] });
    expect((await rejection(listed.fetch("https://other.example.com/"))).code).toBe("host_not_allowed");
    expect((await rejection(ctxWith().fetch("ftp://example.com/"))).code).toBe("host_not_allowed");
    expect(calls).toHaveLength(0);
  });

  it("sends with redirect: manual and the context's signal, and returns the response", async () => {
    const calls = network(() => new Response("hello", { status: 200 }));
    const ctx = ctxWith();
    const res = await ctx.fetch("https://api.example.com/v1?x=1", { method: "POST", body: "{}" });
    expect(await res.text()).toBe("hello");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: "https://api.example.com/v1?x=1", method: "POST", body: "{}", redirect: "manual" });
    expect(calls[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it("follows up to three redirects on the same host, keeping method and body for 307/308", async () => {
    const calls = network((url) => {
      if (url.pathname === "/a") return redirect("/b", 307);
      if (url.pathname === "/b") return redirect("https://api.example.com/c", 308);
      if (url.pathname === "/c") return redirect("/d?page=2", 307);
      return new Response(`final ${url.pathname}${url.search}`);
    });
    const res = await ctxWith().fetch("https://api.example.com/a", { method: "PUT", body: "payload" });
    expect(await res.text()).toBe("final /d?page=2");
    expect(calls.map((c) => [new URL(c.url).pathname, c.method, c.body])).toEqual([
      ["/a", "PUT", "payload"],
      ["/b", "PUT", "payload"],
      ["/c", "PUT", "payload"],
      ["/d", "PUT", "payload"],
    ]);
  });

  it("turns 303 (and 302 after POST) into a GET without a body", async () => {
    const calls = network((url) => (url.pathname === "/submit" ? redirect("/result", 303) : url.pathname === "/post" ? redirect("/done", 302) : new Response("ok")));
    await ctxWith().fetch("https://api.example.com/submit", { method: "POST", body: "x", headers: { "content-type": "application/json" } });
    await ctxWith().fetch("https://api.example.com/post", { method: "POST", body: "x" });
    expect(calls.map((c) => [new URL(c.url).pathname, c.method, c.body])).toEqual([
      ["/submit", "POST", "x"],
      ["/result", "GET", null],
      ["/post", "POST", "x"],
      ["/done", "GET", null],
    ]);
  });

  it(`refuses a chain of more than ${MAX_REDIRECTS} redirects`, async () => {
    let n = 0;
    const calls = network(() => redirect(`/r${++n}`));
    const e = await rejection(ctxWith().fetch("https://api.example.com/start"));
    expect(e.code).toBe("upstream_error");
    expect(e.message).toMatch(/more than 3/);
    expect(calls).toHaveLength(MAX_REDIRECTS + 1);
  });

  it("refuses a redirect to another host, naming it but not the URLs", async () => {
    const secret = "tok_5ecret";
    const calls = network(() => redirect(`https://evil.example.net/steal?token=${secret}`));
    const e = await rejection(ctxWith().fetch(`https://api.example.com/x?key=${secret}`));
    expect(e.code).toBe("host_not_allowed");
    expect(e.message).toContain("evil.example.net");
    expect(e.message).not.toContain(secret);
    expect(calls).toHaveLength(1);
  });

  it("refuses redirects to private addresses, other ports and downgrades", async () => {
    for (const [from, to] of [
      ["https://api.example.com/", "http://169.254.169.254/latest/meta-data/"],
      ["https://api.example.com/", "http://[::1]/"],
      ["https://api.example.com/", "https://api.example.com:8443/"],
      ["https://api.example.com/", "http://api.example.com/"],
      ["https://api.example.com/", "file:///etc/passwd"],
    ] as const) {
      const calls = network(() => redirect(to));
      expect((await rejection(ctxWith().fetch(from))).code, to).toBe("host_not_allowed");
      expect(calls).toHaveLength(1);
      vi.unstubAllGlobals();
    }
  });

  it("follows an http -> https upgrade on the same host", async () => {
    const calls = network((url) => (url.protocol === "http:" ? redirect(url.href.replace("http:", "https:"), 301) : new Response("secure")));
    const res = await ctxWith().fetch("http://api.example.com/x");
    expect(await res.text()).toBe("secure");
    expect(calls.map((c) => c.url)).toEqual(["http://api.example.com/x", "https://api.example.com/x"]);
  });

  it("returns a 3xx without Location as it is", async () => {
    network(() => new Response(null, { status: 304 }));
    expect((await ctxWith().fetch("https://api.example.com/")).status).toBe(304);
  });

  it("maps network failures to unreachable without echoing the URL", async () => {
    const secret = "AKIA_SECRET_IN_QUERY";
    network((url) => {
      throw new TypeError(`fetch failed for ${url.href}: connection refused`);
    });
    const e = await rejection(ctxWith().fetch(`https://api.example.com/x?sig=${secret}`));
    expect(e.code).toBe("unreachable");
    expect(e.message).toContain("api.example.com");
    expect(e.message).toContain("connection refused");
    expect(e.message).not.toContain(secret);
  });

  it("aborts at the deadline with a timeout error", async () => {
    network(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal!.reason));
        }),
    );
    const ctx = ctxWith({ timeoutMs: 50 });
    const e = await rejection(ctx.fetch("https://slow.example.com/"));
    expect(e.code).toBe("timeout");
    expect(e.message).toContain("slow.example.com");
    expect(ctx.signal.aborted).toBe(true);
    // After the deadline nothing else goes out.
    expect((await rejection(ctx.fetch("https://slow.example.com/again"))).code).toBe("timeout");
  });

  it("stops when the caller's signal aborts, passing a ConnectorError reason through", async () => {
    network(() => new Response("late"));
    const caller = new AbortController();
    const ctx = ctxWith({ signal: caller.signal });
    caller.abort(new ConnectorError("rate_limited", "slow down"));
    const e = await rejection(ctx.fetch("https://api.example.com/"));
    expect(e.code).toBe("rate_limited");
    const caller2 = new AbortController();
    const ctx2 = ctxWith({ signal: caller2.signal });
    caller2.abort();
    expect((await rejection(ctx2.fetch("https://api.example.com/"))).code).toBe("timeout");
  });

  it("maps a real connection failure (nothing listening on a loopback port) to unreachable", async () => {
    const ctx = ctxWith({ allowPrivateNetwork: true, timeoutMs: 10000 });
    const e = await rejection(ctx.fetch("http://127.0.0.1:1/?password=hunter2"));
    expect(e.code).toBe("unreachable");
    expect(e.message).toContain("127.0.0.1");
    expect(e.message).not.toContain("hunter2");
  });
});

describe("clampLimits", () => {
  it("fills in the defaults", () => {
    expect(clampLimits({})).toEqual({ previewRows: 100, queryRows: 1000, statementTimeoutMs: 15000, responseBytes: 5 * 1024 * 1024 });
  });

  it("caps at the maximums", () => {
    expect(clampLimits({ previewRows: 5000, queryRows: 1e9, timeoutMs: 3_600_000 })).toEqual({
      previewRows: 1000,
      queryRows: 10000,
      statementTimeoutMs: 60000,
      responseBytes: 5 * 1024 * 1024,
    });
  });

  it("keeps values in range, floors fractions, and raises zero or negative values to 1", () => {
    expect(clampLimits({ previewRows: 10, queryRows: 250.9, timeoutMs: 30000 })).toMatchObject({ previewRows: 10, queryRows: 250, statementTimeoutMs: 30000 });
    expect(clampLimits({ previewRows: 0, queryRows: -5, timeoutMs: 0 })).toMatchObject({ previewRows: 1, queryRows: 1, statementTimeoutMs: 1 });
  });

  it("ignores non-finite values", () => {
    expect(clampLimits({ previewRows: Number.NaN, queryRows: Number.POSITIVE_INFINITY })).toMatchObject({ previewRows: 100, queryRows: 1000 });
  });
});
