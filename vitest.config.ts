import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // PGlite and the channel suites are CPU-heavy: two files at a time on these 2-core machines
    maxWorkers: 2,
    reporters: ['default'],
  },
});
