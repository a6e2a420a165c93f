import { defineConfig } from "vitest/config";

// Tests that run in Node rather than inside workerd: they drive a real `wrangler dev` from outside,
// e.g. the docs page in headless Chromium (test/node/). `npm run test:node`; part of `npm test`.
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
