import { afterEach } from 'vitest';
import type { RunningSystem, SystemRedis } from './system.js';

/**
 * After a failed test, print the last lines of every process of the system: the evidence a flaky or
 * failing end-to-end test needs, in CI's log. Call at the top of a describe block.
 */
export function printOutputOnFailure(system: () => RunningSystem<SystemRedis> | undefined, lines = 60): void {
  afterEach((context) => {
    const running = system();
    if (!running || context.task.result?.state !== 'fail') return;
    for (const service of [running.was, ...running.listeners, ...running.workers]) {
      process.stderr.write(
        `\n--- ${service.name} (pid ${service.pid}), last ${lines} lines ---\n${service.lines.slice(-lines).join('\n')}\n`,
      );
    }
  });
}
