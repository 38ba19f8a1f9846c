import { defineConfig } from "vitest/config";

export default defineConfig({
  // `import "hogsend"` in tests and examples resolves to src/ (package.json's "hogsend-source" condition), not dist/.
  ssr: { resolve: { conditions: ["hogsend-source", "module", "node", "development|production"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.{ts,tsx}", "examples/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more forks than that only adds contention against the one Postgres.
    maxWorkers: 2,
  },
});
