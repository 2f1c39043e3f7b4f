import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compiles src/ once, for the tests that run bin/drover.
    globalSetup: ['test/global-setup.ts'],
    // e2e files share one lab per file and are heavy: never run two files at once there.
    poolOptions: { forks: { singleFork: false } },
    testTimeout: 20_000,
    hookTimeout: 600_000,
  },
});
