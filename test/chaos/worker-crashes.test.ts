import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { poolsConfig } from '../helpers/pools.js';
import type { ServiceProcess } from '../helpers/service-process.js';
import { startSystem, type RunningSystem } from '../helpers/system.js';
import { killRandomWorker, repeatFault } from './harness/faults.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { printSummary, SteadyLoad } from './harness/steady-load.js';

const DURATION = faultMs(60_000, 12_000);

const POOLS: Record<string, Record<string, unknown>> = {
  // A web garden of two, so a request queued while one worker is down is served by the other or the
  // replacement; rapid-fail protection off, since these crashes are the test's, not the application's.
  Crashy: {
    startMode: 'AlwaysRunning',
    processModel: { maxProcesses: 2 },
    failure: { rapidFailProtection: false },
  },
  Retrying: {
    startMode: 'AlwaysRunning',
    processModel: { maxProcesses: 2 },
    failure: { rapidFailProtection: false },
    retryGetOnCrash: true,
  },
};

// Fault 1: SIGKILL a random w3wp every 2 s under steady load. Queued requests are served; only the
// requests in flight on the killed worker fail, with 502.3, or are retried once where retryGetOnCrash allows.
describe('chaos: worker crashes', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  const hosts: Record<string, ServiceProcess> = {};
  beforeAll(async () => {
    system = await startSystem({
      workers: [],
      config: ([port]) => poolsConfig(port!, POOLS, { rootPool: 'Crashy' }),
    });
    for (const pool of Object.keys(POOLS)) {
      hosts[pool] = await system.startWorker(pool);
      await hosts[pool].waitForLine(/worker process ready/);
    }
  });
  afterAll(async () => {
    await system?.stop();
  });

  const underCrashes = async (pool: string) => {
    const load = new SteadyLoad({
      url: `${system.baseUrl}/${pool.toLowerCase()}/pid.test`,
      clients: 8,
      durationMs: DURATION + 2000,
      requestTimeoutMs: 15_000,
    }).start();
    await load.successes(20, 15_000);
    const kills = await repeatFault(
      load,
      () => killRandomWorker(hosts[pool]!).then(() => undefined),
      2000,
      DURATION,
    );
    await load.finish();
    const summary = { ...load.summary(`worker crashes (${pool})`), kills };
    printSummary(summary);
    expect(summary.unanswered).toBe(0);
    expect(summary.connectionErrors).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(Math.floor(DURATION / 2000) - 1);
    // The run ends with the pool serving again: the last requests succeeded.
    expect(load.records.slice(-8).every((r) => r.status === 200)).toBe(true);
    return summary;
  };

  it(
    'SIGKILL of a random worker every 2 s: nothing hangs, only requests in flight fail, with 502.3',
    async () => {
      const s = await underCrashes('Crashy');
      expect(Object.keys(s.failures).every((label) => label === '502.3')).toBe(true);
      // A kill can fail at most the requests in flight on that worker: never more than the clients.
      expect(s.sent - s.ok).toBeLessThanOrEqual(s.kills * 8);
    },
    testTimeout(DURATION),
  );

  it(
    'with retryGetOnCrash, a GET in flight on the killed worker is retried once on another',
    async () => {
      const s = await underCrashes('Retrying');
      expect(Object.keys(s.failures).every((label) => label === '502.3')).toBe(true);
      expect(s.sent - s.ok).toBeLessThanOrEqual(s.kills);
    },
    testTimeout(DURATION),
  );
});
