import { defineConfig } from "vitest/config";

// Tests that run in Node rather than inside workerd: they drive a real `wrangler dev` from outside,
// e.g. the docs page in headless Chromium. They are named *.spec.ts so the workerd suite (test/**/*.test.ts)
// leaves them alone. `npm run test:node`; part of `npm test`.
export default defineConfig({
  test: {
    include: ["test/node/**/*.spec.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
