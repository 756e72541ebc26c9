import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { poolEvent, poolEvents, poolsConfig } from '../helpers/pools.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { printSummary, SteadyLoad } from './harness/steady-load.js';

const DURATION = faultMs(60_000, 6000);
const MAX_CRASHES = 3;
const CLIENTS = 4;

// Fault 7: a handler that kills its worker on every request. Rapid-fail protection stops the pool after
// rapidFailProtectionMaxCrashes; from then on every request is refused at once with 503 (never queued
// until its deadline), and `start` brings the pool back.
describe('chaos: rapid-fail', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      workers: [],
      config: ([port]) =>
        poolsConfig(
          port!,
          {
            Fragile: { startMode: 'AlwaysRunning', failure: { rapidFailProtectionMaxCrashes: MAX_CRASHES } },
          },
          { rootPool: 'Fragile' },
        ),
    });
    const host = await system.startWorker('Fragile');
    await host.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'every request crashes its worker: the pool stops after the limit, then 503 at once; start restores it',
    async () => {
      // Phase 1: crashing requests until rapid-fail protection stops the pool (bounded by time and count).
      const crashing = new SteadyLoad({
        url: `${system.baseUrl}/fragile/crash.test`,
        clients: CLIENTS,
        durationMs: DURATION,
        maxRequestsPerClient: 200,
        requestTimeoutMs: 15_000,
      }).start();
      crashing.fault();
      const rapidFail = await poolEvent(system, 'Fragile', 'RapidFail');
      await crashing.finish(true);
      const crashed = crashing.summary('rapid-fail, until the pool stops');
      const crashes = (await poolEvents(system, 'Fragile')).filter((e) => e.kind === 'Crash');
      printSummary({ ...crashed, crashEvents: crashes.length, rapidFailAt: rapidFail.at });
      expect(crashed.unanswered).toBe(0);
      expect(crashed.connectionErrors).toBe(0);
      expect(crashed.ok).toBe(0);
      // A crashing request is answered 502.3; at most MAX_CRASHES workers died, each with at most every
      // client's request in flight (requests that raced the stop may already be refused, 503).
      expect(
        Object.keys(crashed.codes).every((c) =>
          ['WORKER_PROCESS_FAILED', 'LISTENER_POOL_OFFLINE'].includes(c),
        ),
      ).toBe(true);
      expect(crashed.codes.WORKER_PROCESS_FAILED).toBeLessThanOrEqual(MAX_CRASHES * CLIENTS);

      // Phase 2: once the listener knows the pool is stopped, every request is refused at once with 503,
      // never queued until a deadline. Bounded by count.
      await eventually(
        async () =>
          (await httpRequest(`${system.baseUrl}/fragile/pid.test`)).status === 503 ? true : undefined,
        'the pool stopped at the listener',
      );
      const refused = new SteadyLoad({
        url: (client) => `${system.baseUrl}/fragile/${client % 2 ? 'crash' : 'pid'}.test`,
        clients: CLIENTS,
        durationMs: DURATION,
        maxRequestsPerClient: 500,
        requestTimeoutMs: 15_000,
      }).start();
      await refused.finish();
      const offline = refused.summary('rapid-fail, pool stopped');
      const slowest = Math.round(Math.max(...refused.records.map((r) => r.endedAt! - r.startedAt)));
      printSummary({ ...offline, refusalMaxMs: slowest });
      expect(offline.unanswered).toBe(0);
      expect(offline.connectionErrors).toBe(0);
      expect(offline.codes).toEqual({ LISTENER_POOL_OFFLINE: offline.sent });

      const start = await httpRequest(`${system.wasUrl}/api/apppools/Fragile/start`, {
        method: 'POST',
        headers: system.adminHeaders(),
      });
      expect(start.status).toBeLessThan(300);
      const serving = new SteadyLoad({
        url: `${system.baseUrl}/fragile/pid.test`,
        clients: CLIENTS,
        durationMs: 3000,
        requestTimeoutMs: 15_000,
      }).start();
      serving.fault();
      await serving.finish();
      const restored = serving.summary('rapid-fail, after start');
      printSummary(restored);
      expect(restored.unanswered).toBe(0);
      expect(restored.failures).toEqual({});
      expect(restored.ok).toBe(restored.sent);
    },
    testTimeout(DURATION),
  );
});
