import { defineConfig } from 'vitest/config';

/**
 * Three tiers (STYLE #14): unit tests sit beside their code and touch nothing; integration tests use the
 * machine's real Postgres and Redis, each test file in its own database and Redis key prefix; e2e tests boot
 * the real processes under a private PM2 daemon.
 */
export default defineConfig({
  test: {
    // two cores: a couple of files at once keeps Postgres and Redis honest without starving them
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.int.test.ts'],
          globalSetup: ['tests/setup/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          globalSetup: ['tests/setup/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          // one file at a time: each boots a whole floor under PM2
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
