import { defineConfig } from "vitest/config";
import { testCertificates } from "./test/servers/tls-ca";

// Tests run inside workerd with a real local D1 (migrations applied in test/setup.ts). The servers a
// test talks to (PostgreSQL, proxies, S3, contract servers) start once in test/global-setup.ts.
export default defineConfig(async () => {
  // Before Miniflare loads: it reads NODE_EXTRA_CA_CERTS once and has workerd trust those certificates,
  // so the Worker's TLS sockets accept the embedded PostgreSQL's test certificate.
  process.env.NODE_EXTRA_CA_CERTS = testCertificates().caFile;
  const { cloudflareTest, readD1Migrations } = await import("@cloudflare/vitest-plugin");
  return {
  plugins: [
    cloudflareTest(async () => ({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          ALLOW_PRIVATE_NETWORK: "true",
          // Test-only keys: two, so rotation is exercised. Never used outside tests.
          ENCRYPTION_KEYS: "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8,k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8",
          JWT_HS256_SECRET: "test-hs256-secret-that-is-long-enough-0123456789",
          JWT_ISSUER: "https://issuer.test",
          JWT_AUDIENCE: "connections-api",
          // The limits of the test bindings below, as RateLimit-Policy announces them.
          RL_METADATA_POLICY: "100000/60",
          RL_WAREHOUSE_POLICY: "100000/60",
        },
        ratelimits: {
          RL_METADATA: { namespace_id: "1001", simple: { limit: 100000, period: 60 } },
          RL_WAREHOUSE: { namespace_id: "1002", simple: { limit: 100000, period: 60 } },
          RL_TIGHT: { namespace_id: "1003", simple: { limit: 3, period: 60 } },
        },
      },
    })),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30000,
    hookTimeout: 120000,
  },
};
});
