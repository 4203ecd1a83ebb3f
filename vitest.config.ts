import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // tests/system restarts its own services: it runs on its own (vitest.system.config.ts).
    exclude: [...configDefaults.exclude, 'tests/system/**'],
    globalSetup: ['tests/setup/global-setup.ts'],
    // Test files run in child processes: each gets its own Temporal SDK runtime.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 240_000,
    reporters: ['default'],
  },
});
