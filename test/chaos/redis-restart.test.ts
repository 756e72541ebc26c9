import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { poolsConfig } from '../helpers/pools.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { queueTruth } from './harness/queue-truth.js';
import { printSummary, SteadyLoad } from './harness/steady-load.js';

const DURATION = faultMs(30_000, 12_000);
const OUTAGE_MS = 5000;

// Fault 4: Redis stopped for 5 s under load, then started again (same port, empty: no persistence).
// While it is down the listener answers 503 and hangs nothing; no process crashes; every service
// reconnects by itself; afterwards the depth counter equals what is really queued.
describe('chaos: Redis restarts mid-load', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      workers: [],
      config: ([port]) => poolsConfig(port!, { Main: { startMode: 'AlwaysRunning' } }, { rootPool: 'Main' }),
    });
    const host = await system.startWorker('Main');
    await host.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'down for 5 s: 503s and no hang while down, no crash, served again, the depth counter true',
    async () => {
      const load = new SteadyLoad({
        url: `${system.baseUrl}/main/pid.test`,
        clients: 8,
        durationMs: DURATION,
        requestTimeoutMs: 30_000,
      }).start();
      await load.successes(20, 15_000);
      load.fault();
      // The pause is the outage the issue prescribes, not a wait for something to happen.
      await system.redis.restart(() => delay(OUTAGE_MS));
      await load.finish();
      const redis = new Redis(system.redis.url);
      try {
        const truth = await eventually(async () => {
          const t = await queueTruth(redis, 'Main');
          return t.counter === t.queued ? t : undefined;
        }, 'the depth counter to match what is queued');
        const summary = {
          ...load.summary('Redis restart'),
          depthCounter: truth.counter,
          reallyQueued: truth.queued,
        };
        printSummary(summary);
        expect(summary.unanswered).toBe(0);
        expect(summary.connectionErrors).toBe(0);
        // Refusals while Redis was away are 503s (or 502 for a request a worker could not finish); no 500.
        expect(Object.keys(summary.failures).every((label) => /^50[23]\./.test(label))).toBe(true);
        for (const service of [system.was, ...system.listeners, ...system.workers])
          expect(service.running).toBe(true);
        expect(load.records.slice(-8).every((r) => r.status === 200)).toBe(true);
      } finally {
        redis.disconnect();
      }
    },
    testTimeout(DURATION),
  );
});
