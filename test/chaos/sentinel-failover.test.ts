import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { poolsConfig } from '../helpers/pools.js';
import { startSentinelGroup, type SentinelGroup } from '../helpers/sentinel-group.js';
import { startSystem, type RunningSystem } from '../helpers/system.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { printSummary, SteadyLoad } from './harness/steady-load.js';

const DURATION = faultMs(60_000, 15_000);

// Fault 5 (issue 15, item 4): the system runs on a Sentinel group (a primary, a replica, three sentinels)
// and the primary is SIGKILLed under load. Every service follows the sentinels to the promoted replica by
// itself: no process restarts, nothing hangs for longer than the failover takes, and what fails meanwhile
// is a 503 or a 502, answered.
describe('chaos: Sentinel failover', () => {
  let system: RunningSystem<SentinelGroup>;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      redis: startSentinelGroup,
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
    'the primary killed under load: the services follow the new primary, nothing hangs, no restart',
    async () => {
      const processes = [system.was, ...system.listeners, ...system.workers];
      const load = new SteadyLoad({
        url: `${system.baseUrl}/main/pid.test`,
        clients: 8,
        durationMs: DURATION,
        requestTimeoutMs: 30_000,
      }).start();
      await load.successes(20, 15_000);
      load.fault();
      const { failoverMs, newPrimaryPort } = await system.redis.killPrimary();
      // Served through the new primary before the run ends: the rest of the run is the proof.
      await load.successes(50, 30_000);
      await load.finish();
      // A loop, not Math.max(...records): the full form records too many requests to spread.
      const longestMs = Math.round(
        load.records.reduce((most, r) => Math.max(most, (r.endedAt ?? r.startedAt) - r.startedAt), 0),
      );
      const summary = { ...load.summary('Sentinel failover'), failoverMs, longestMs };
      printSummary(summary);
      expect(newPrimaryPort).toBe(system.redis.dataPorts[1]);
      expect(summary.unanswered).toBe(0);
      expect(summary.connectionErrors).toBe(0);
      // What could not be served while there was no primary is refused (503) or failed (502), never a 500.
      expect(Object.keys(summary.failures).every((label) => /^50[23]\./.test(label))).toBe(true);
      // No request waited much longer than the failover itself.
      expect(longestMs).toBeLessThan(failoverMs + 10_000);
      for (const service of processes) expect(service.running, service.name).toBe(true);
      expect([...system.listeners, ...system.workers, system.was]).toHaveLength(processes.length);
      expect(load.records.slice(-8).every((r) => r.status === 200)).toBe(true);
    },
    testTimeout(DURATION),
  );
});
