import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { poolsConfig } from '../helpers/pools.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { queueTruth } from './harness/queue-truth.js';
import { printSummary, SteadyLoad } from './harness/steady-load.js';

const DURATION = faultMs(30_000, 8000);

// Fault 10: the listener SIGKILLed under load, then started again. Its clients' connections die with it
// (connection errors, counted); nothing is left unanswered; the requests it had queued are skipped or
// expire rather than pile up, so the depth counter stays true; the restarted listener serves at once.
describe('chaos: listener restart', () => {
  let system: RunningSystem;
  let redis: Redis;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      workers: [],
      config: ([port]) =>
        poolsConfig(
          port!,
          // Four at a time, so most of the 24 clients' requests wait in the queue when the listener dies.
          { Front: { startMode: 'AlwaysRunning', queueTimeout: '00:00:05', workerConcurrency: 4 } },
          { rootPool: 'Front' },
        ),
    });
    const host = await system.startWorker('Front');
    await host.waitForLine(/worker process ready/);
    redis = new Redis(system.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  });

  it(
    'SIGKILL and start again: nothing unanswered, the depth counter true, served at once',
    async () => {
      const load = new SteadyLoad({
        // Slow enough that requests wait in the queue when the listener dies.
        url: `${system.baseUrl}/front/sleep.test?ms=100`,
        clients: 24,
        durationMs: DURATION,
        requestTimeoutMs: 20_000,
      }).start();
      await load.successes(20, 15_000);
      load.fault();
      const killedAt = performance.now();
      await system.listener.stop('SIGKILL');
      const restartedAt = performance.now();
      await system.startListener();
      const ready = performance.now();
      // The first request after the ready line is served, not refused or queued behind the dead ones.
      const first = await httpRequest(`${system.baseUrl}/front/pid.test`);
      expect(first.status).toBe(200);
      await load.finish();
      // Once the load is over the queue drains; the counter must then say what is really there: nothing.
      const truth = await eventually(async () => {
        const t = await queueTruth(redis, 'Front');
        return t.counter === t.queued && t.queued === 0 ? t : undefined;
      }, 'the depth counter to match what is queued');
      // What became of the requests the dead listener had taken in: each one its worker found gone is
      // counted, skipped (never run), aborted at its first reply, or expired.
      const pools = JSON.parse(
        (await httpRequest(`${system.wasUrl}/api/apppools`, { headers: system.adminHeaders() })).body,
      ) as { name: string; AbandonedRequests: { skipped: number; aborted: number; expired: number } }[];
      const abandoned = pools.find((p) => p.name === 'Front')!.AbandonedRequests;
      const lostWithListener = load.records.filter((r) => r.error !== undefined && r.startedAt < killedAt);
      const summary = {
        ...load.summary('listener restart'),
        restartMs: Math.round(ready - restartedAt),
        depthCounter: truth.counter,
        reallyQueued: truth.queued,
        lostWithListener: lostWithListener.length,
        abandoned,
      };
      printSummary(summary);
      expect(summary.unanswered).toBe(0);
      // The dead listener's connections fail at the socket, not with a 5xx page; requests it had already
      // queued are never answered by anyone, as their connection is gone.
      expect(summary.failures).toEqual({});
      // Requests were running and queued for the dead listener when it died (24 clients, 4 at a time,
      // 100 ms each); none is counted twice, nor one that was not the dead listener's.
      const counted = abandoned.skipped + abandoned.aborted + abandoned.expired;
      // Those running when it died finished and were stopped at their reply; those still queued never ran.
      expect(abandoned.aborted).toBeGreaterThan(0);
      expect(abandoned.skipped).toBeGreaterThan(0);
      expect(counted).toBeLessThanOrEqual(lostWithListener.length);
      expect(load.records.slice(-24).every((r) => r.status === 200)).toBe(true);
    },
    testTimeout(DURATION),
  );
});
