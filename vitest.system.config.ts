import { defineConfig } from 'vitest/config';

// The fault tests (tests/system): they start their own PostgreSQL, Temporal dev server and worker
// processes, and restart them, so they share nothing with the default run (no globalSetup) and
// run one file at a time. Run with: npx vitest run --config vitest.system.config.ts
export default defineConfig({
  test: {
    include: ['tests/system/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 240_000,
    teardownTimeout: 120_000,
    reporters: ['default'],
  },
});
