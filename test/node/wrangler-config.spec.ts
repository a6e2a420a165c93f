import { experimental_readRawConfig } from "wrangler";
import { describe, expect, it } from "vitest";

// RateLimit-Policy announces the limits of the rate-limit bindings, which the Worker cannot read from
// the bindings themselves: the vars that state them must equal the [[ratelimits]] blocks.
describe("wrangler.toml", () => {
  it("states the rate-limit policies the bindings enforce, and ships with CORS off", () => {
    const { rawConfig } = experimental_readRawConfig({ config: "wrangler.toml" });
    const vars = rawConfig.vars as Record<string, string>;
    const limits = Object.fromEntries((rawConfig.ratelimits ?? []).map((r: any) => [r.name, `${r.simple.limit}/${r.simple.period}`]));
    expect(Object.keys(limits).sort()).toEqual(["RL_METADATA", "RL_WAREHOUSE"]);
    for (const [binding, policy] of Object.entries(limits)) expect(vars[`${binding}_POLICY`], binding).toBe(policy);
    expect(vars.CORS_ALLOWED_ORIGINS).toBe("");
  });
});
