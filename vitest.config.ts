import { defineConfig } from 'vitest/config';

// Unit tests sit next to the code (src/**/*.test.ts); end-to-end suites live in test/e2e and start real
// processes, so they get longer timeouts. Each suite starts its own redis-server.
export default defineConfig({
  test: {
    include: [
      'packages/**/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'tools/*/src/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: the e2e suites each start several processes, so run at most two files at once.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
