import { Scalar } from "@scalar/hono-api-reference";

// The API reference at /docs: Scalar (https://github.com/scalar/scalar) rendering /openapi.json. Its
// standalone bundle is one of this Worker's static assets (copied by scripts/build.mjs from
// @scalar/api-reference into dist/public/), so the page loads nothing from a CDN. The bearer scheme
// is preselected: paste an API key once and "Test Request" sends it.
export const SCALAR_BUNDLE_PATH = "/docs/scalar/standalone.js";

export const docsPage = Scalar({
  url: "/openapi.json",
  cdn: SCALAR_BUNDLE_PATH,
  pageTitle: "Connections API reference",
  authentication: { preferredSecurityScheme: "bearerAuth" },
  persistAuth: false,
  telemetry: false,
  // Nothing that talks to Scalar's hosted services: its font CDN, AI agent, MCP generator, hosted
  // client and the localhost developer toolbar (share/deploy/SDK buttons).
  withDefaultFonts: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  hideClientButton: true,
  showDeveloperTools: "never",
});
