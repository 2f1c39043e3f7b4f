import { defineConfig } from 'vitest/config';

// Projects do not `extends` the root on purpose: the root's globalSetup runs once per run, and
// an inheriting project would run it (a full tsc build) again.
const timeouts = { testTimeout: 20_000, hookTimeout: 600_000 };

export default defineConfig({
  test: {
    // Compiles src/ once, for the tests that run bin/drover.
    globalSetup: ['test/global-setup.ts'],
    ...timeouts,
    // `npx vitest run` runs both projects: unit files in parallel first, then the e2e files
    // one at a time (each brings up its own lab of real nodes; two at once overload 2 cores).
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/node_modules/**'],
          sequence: { groupOrder: 0 },
          ...timeouts,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          ...timeouts,
          // A real `drover up` on a loaded 2-core machine can take minutes.
          testTimeout: 300_000,
        },
      },
    ],
  },
});
