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
    projects: [
      {
        extends: true,
        // pure functions: the files share a worker's module cache instead of importing anew
        // each (34 s -> 14 s for the unit files alone)
        test: { name: 'unit', exclude: ['tests/{integration,security,e2e}/**', 'node_modules/**'], isolate: false },
      },
      {
        extends: true,
        // each file its own module graph: harnesses, msw interceptors and fake timers stay in it
        test: { name: 'system', exclude: ['tests/unit/**', 'node_modules/**'] },
      },
    ],
  },
});
