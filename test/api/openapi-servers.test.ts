import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

// The served document names the server it was fetched from, so "try it" in /docs and generated
// clients call that deployment, and keeps the local one for `npm run dev`.
const servers = async (url: string) => ((await (await SELF.fetch(url)).json()) as { servers: Array<{ url: string }> }).servers.map((s) => s.url);

describe("OpenAPI servers", () => {
  it("lists the deployment it is served from first, then the local server", async () => {
    expect(await servers("https://connections-api.example.workers.dev/openapi.json")).toEqual(["https://connections-api.example.workers.dev", "http://127.0.0.1:8787"]);
    expect(await servers("https://api.example.com:8443/openapi.json?x=1")).toEqual(["https://api.example.com:8443", "http://127.0.0.1:8787"]);
  });

  it("lists the local server once when served locally", async () => {
    expect(await servers("http://127.0.0.1:8787/openapi.json")).toEqual(["http://127.0.0.1:8787"]);
  });
});
