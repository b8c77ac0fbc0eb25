import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The database harness alone: this package's tests need no job queue (the queue lives in packages/jobs,
    // which depends on this package, and its own tests drive delivery through pg-boss).
    globalSetup: ["../db/src/testing/global-setup.ts"],
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
