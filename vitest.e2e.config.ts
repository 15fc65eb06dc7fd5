import { defineConfig } from "vitest/config";

// Browser tests: the real server on a fresh database, driven by headless Chromium.
// They run alone (one file at a time) so Chromium and the test database share the machine.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
