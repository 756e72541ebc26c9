import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessSupervisor } from './process-supervisor.js';

// The launcher's supervision with real child processes: a service that dies is restarted with backoff,
// and stop() ends the restarts along with the services.
describe('ProcessSupervisor restarts', () => {
  let supervisor: ProcessSupervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop();
  });

  /** A supervisor whose exits are recorded, and a promise for the n-th one. */
  const supervise = () => {
    const exits: { name: string; code: number | null; signal: string | null; delay: number }[] = [];
    const waiters: { count: number; resolve: () => void }[] = [];
    supervisor = new ProcessSupervisor(
      tmpdir(),
      (name, code, signal, delay) => {
        exits.push({ name, code, signal, delay });
        for (const w of waiters) if (exits.length >= w.count) w.resolve();
      },
      { baseMs: 20, maxMs: 80, stableMs: 60_000 },
    );
    const exitCount = (count: number) =>
      new Promise<void>((resolve, reject) => {
        if (exits.length >= count) return resolve();
        waiters.push({ count, resolve });
        setTimeout(() => reject(new Error(`only ${exits.length} of ${count} exits`)), 10_000).unref();
      });
    return { supervisor, exits, exitCount };
  };

  it('restarts a service that keeps dying, with a doubling delay up to the maximum', async () => {
    const { supervisor, exits, exitCount } = supervise();
    supervisor.start('flaky', process.execPath, ['-e', 'process.exit(3)'], {});
    await exitCount(4);
    expect(exits.slice(0, 4)).toEqual([
      { name: 'flaky', code: 3, signal: null, delay: 20 },
      { name: 'flaky', code: 3, signal: null, delay: 40 },
      { name: 'flaky', code: 3, signal: null, delay: 80 },
      { name: 'flaky', code: 3, signal: null, delay: 80 },
    ]);
  });

  it('restarts a killed service as a new process, and stop() ends it for good', async () => {
    const { supervisor, exits, exitCount } = supervise();
    const first = supervisor.start('steady', process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {});
    process.kill(first.pid!, 'SIGKILL');
    await exitCount(1);
    expect(exits[0]).toMatchObject({ name: 'steady', signal: 'SIGKILL' });
    const second = await new Promise<number>((resolve, reject) => {
      const deadline = Date.now() + 10_000;
      const poll = () => {
        const pid = supervisor.pids.steady;
        if (pid !== undefined && pid !== first.pid) return resolve(pid);
        if (Date.now() > deadline) return reject(new Error('not restarted'));
        setTimeout(poll, 10);
      };
      poll();
    });
    await supervisor.stop();
    expect(() => process.kill(second, 0)).toThrow();
    expect(exits).toHaveLength(1);
  });
});
