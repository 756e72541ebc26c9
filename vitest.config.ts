import { defineConfig } from 'vitest/config';

/**
 * Suites whose assertion is a latency ratio measured inside the run (fault 9: p99 under attack within 2 × the
 * calm windows'): beside another e2e file on two cores, a neighbour's burst lands in one window and not the
 * other. They run after everything else, one at a time, with nothing beside them.
 */
const ALONE = ['test/chaos/slow-clients.test.ts'];

// Unit tests sit next to the code (src/**/*.test.ts); end-to-end suites live in test/e2e and start real
// processes, so they get longer timeouts. Each suite starts its own redis-server.
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: the e2e suites each start several processes, so run at most two files at once.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suites',
          include: [
            'packages/**/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'tools/*/src/**/*.test.ts',
            'bench/src/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/dist/**', ...ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
