import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { poolEvents } from '../helpers/pools.js';
import { startSystem, type RunningSystem } from '../helpers/system.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { leakyPoolsConfig } from './harness/pools.js';
import { printSummary, SteadyLoad } from './harness/steady-load.js';

const DURATION = faultMs(60_000, 12_000);

// Fault 6: a handler that keeps 1 MB per request. The pool's privateMemory limit recycles the worker,
// overlapped, so the leak never costs a request.
describe('chaos: memory leak', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      workers: [],
      config: ([port]) =>
        leakyPoolsConfig(
          port!,
          // 200 MB of private memory: a fresh worker holds well under half of that.
          {
            Leaky: { startMode: 'AlwaysRunning', recycling: { periodicRestart: { privateMemory: 200_000 } } },
          },
          { rootPool: 'Leaky' },
        ),
    });
    const host = await system.startWorker('Leaky');
    await host.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    '1 MB retained per request: privateMemory recycles, overlapped, with 0 failed requests',
    async () => {
      const load = new SteadyLoad({
        // Two clients leak; the others ask for plain answers from the same worker.
        url: (client) => `${system.baseUrl}/leaky/${client < 2 ? 'leak' : 'pid'}.leak`,
        clients: 6,
        durationMs: DURATION,
        requestTimeoutMs: 15_000,
      }).start();
      await load.finish();
      const recycles = (await poolEvents(system, 'Leaky')).filter(
        (e) => e.kind === 'Recycle' && e.reason === 'PrivateMemory',
      );
      const summary = { ...load.summary('memory leak'), recycles: recycles.length };
      printSummary(summary);
      expect(summary.unanswered).toBe(0);
      expect(summary.connectionErrors).toBe(0);
      expect(summary.failures).toEqual({});
      expect(summary.ok).toBe(summary.sent);
      expect(recycles.length).toBeGreaterThanOrEqual(1);
    },
    testTimeout(DURATION),
  );
});
