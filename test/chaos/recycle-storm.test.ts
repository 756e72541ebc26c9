import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { poolEvents, poolsConfig } from '../helpers/pools.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';
import { repeatFault } from './harness/faults.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { printSummary, SteadyLoad } from './harness/steady-load.js';

const DURATION = faultMs(60_000, 10_000);

// Fault 8: an on-demand recycle every second under load. Overlapped rotation starts the new worker before
// the old one drains, so not one request fails.
describe('chaos: recycle storm', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      workers: [],
      config: ([port]) =>
        poolsConfig(port!, { Storm: { startMode: 'AlwaysRunning' } }, { rootPool: 'Storm' }),
    });
    const host = await system.startWorker('Storm');
    await host.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'a recycle every second: 0 failed requests, nothing unanswered',
    async () => {
      const load = new SteadyLoad({
        url: `${system.baseUrl}/storm/pid.test`,
        clients: 8,
        // Runs on past the storm until a new generation answers (below), bounded.
        durationMs: DURATION + 120_000,
        requestTimeoutMs: 15_000,
      }).start();
      await load.successes(20, 15_000);
      // appcmd recycle answers once the new worker runs (a few seconds): the storm does not wait for it, as
      // an operator's script would not, so a recycle arrives while the last is still rotating.
      const answers: Promise<number>[] = [];
      const recycles = await repeatFault(
        load,
        () => {
          answers.push(
            httpRequest(`${system.wasUrl}/api/apppools/Storm/recycle`, {
              method: 'POST',
              headers: system.adminHeaders(),
            }).then((res) => res.status),
          );
          return Promise.resolve();
        },
        1000,
        DURATION,
      );
      const statuses = await Promise.all(answers);
      // Each recycle call answers once its new worker runs; on a slow machine (a worker loading for 8 s) the
      // storm can end before one took over. The load goes on until one has answered, so the switch from
      // one generation to the next always happens under load.
      const generations = () => new Set(load.records.map((r) => r.worker).filter(Boolean)).size;
      await eventually(() => (generations() >= 2 ? true : undefined), 'a new generation to answer', 60_000);
      await load.finish(true);
      const done = (await poolEvents(system, 'Storm')).filter((e) => e.kind === 'Recycle');
      const summary = { ...load.summary('recycle storm'), recycles, recycleEvents: done.length };
      printSummary(summary);
      expect(summary.unanswered).toBe(0);
      expect(summary.connectionErrors).toBe(0);
      expect(summary.failures).toEqual({});
      expect(summary.ok).toBe(summary.sent);
      expect(recycles).toBeGreaterThanOrEqual(Math.floor(DURATION / 1000) - 1);
      // Requests were answered by more than one generation of worker process, not by one that ignored the
      // recycles. How many rotations fit in the run depends on how fast a worker starts (1 s on an idle
      // machine, 8 s beside the suite).
      expect(done.length).toBeGreaterThanOrEqual(2);
      expect(summary.workers).toBeGreaterThanOrEqual(2);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    },
    testTimeout(DURATION + 60_000),
  );
});
