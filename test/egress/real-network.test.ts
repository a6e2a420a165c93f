import { describe, expect, inject, it } from "vitest";
import { clampLimits, createConnectorContext } from "../../src/connectors/context";
import { ConnectorError } from "../../src/connectors/errors";

// The guarded fetch against a real HTTP server on loopback (the unit tests next to this one script
// the network; these check the same rules on real sockets).
const base = inject("servers").httpFixtureUrl!;
const ctx = (opts: { allowPrivateNetwork?: boolean; timeoutMs?: number } = {}) =>
  createConnectorContext({ allowPrivateNetwork: opts.allowPrivateNetwork ?? true, timeoutMs: opts.timeoutMs ?? 5000, limits: clampLimits({}) });

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

describe("guarded fetch on real sockets", () => {
  it("follows a redirect on the same host", async () => {
    const res = await ctx().fetch(`${base}/redirect-same`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok GET");
  });

  it("refuses a redirect to another host without following it, and never names the URL", async () => {
    const before = (await (await fetch(`${base}/hits`)).json()) as Record<string, number>;
    const err = await failure(ctx().fetch(`${base}/redirect-other`));
    expect(err.code).toBe("host_not_allowed");
    expect(err.message).toContain("127.0.0.2");
    expect(err.message).not.toContain("secret=abc");
    const after = (await (await fetch(`${base}/hits`)).json()) as Record<string, number>;
    expect(after["/ok"] ?? 0).toBe(before["/ok"] ?? 0);
  });

  it("stops a redirect loop", async () => {
    expect((await failure(ctx().fetch(`${base}/redirect-loop`))).code).toBe("upstream_error");
  });

  it("cuts a slow answer at the deadline", async () => {
    const err = await failure(ctx({ timeoutMs: 300 }).fetch(`${base}/slow?ms=5000`));
    expect(err.code).toBe("timeout");
  });

  it("refuses the loopback server when private networks are not allowed, before sending anything", async () => {
    const before = (await (await fetch(`${base}/hits`)).json()) as Record<string, number>;
    expect((await failure(ctx({ allowPrivateNetwork: false }).fetch(`${base}/ok`))).code).toBe("host_not_allowed");
    const after = (await (await fetch(`${base}/hits`)).json()) as Record<string, number>;
    expect(after["/ok"] ?? 0).toBe(before["/ok"] ?? 0);
  });
});
