import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/helpers/setup-env.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end tests spawn processes and bind ports; two workers match the 2-core machines.
    maxWorkers: 2,
    // CI gets one run on a shared 2-core machine: an end-to-end test that lost a race with the load
    // (a child process killed by its time limit) gets one more try there. Locally, none.
    retry: process.env.CI ? 1 : 0,
  },
});
