import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/system.js';
import { ScaleSystem } from './harness/scale-system.js';

const PARTITION_MS = 10_000;

// Issue 15, item 6: a pool host's machine is cut off from Redis (and only from Redis) for 10 s under load.
// It cannot take work meanwhile; once its consumers' lease expires (5 s here) the other host settles them
// and what they held, if anything (502.3), and serves the queue. When the network heals, the cut-off workers learn they were
// settled, take nothing more, and are replaced by fresh ones that rejoin. Every request runs at most once:
// the handler marks each id it runs, in one file all machines share.
describe('scale-out: a pool host cut off from Redis', () => {
  let system: ScaleSystem;
  let marksDir: string;
  let marks: string;
  beforeAll(async () => {
    marksDir = await mkdtemp(join(tmpdir(), 'w3pool-marks-'));
    marks = join(marksDir, 'marks');
    system = await ScaleSystem.start({
      hosts: 3,
      listeners: ['h1'],
      poolHosts: ['h2', 'h3'],
      pool: { processModel: { pingInterval: '00:00:02', pingResponseTime: '00:00:03' } },
      env: { W3POOL_TEST_MARKS: marks },
    });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    if (marksDir) await rm(marksDir, { recursive: true, force: true });
  });

  it('stops taking while cut off, is settled by the other host, and rejoins without running a request twice', async () => {
    const h3 = system.poolHosts.get('h3')!;
    const running = system.load({
      targets: ['h1'],
      path: '/mark.test?id={n}',
      clients: 16,
      durationMs: PARTITION_MS + 14_000,
      mode: 'get',
      requestTimeoutMs: 30_000,
      retriesOnConnectionError: 0,
    });
    await eventually(async () => {
      const counts = [...(await system.inFlightByConsumer()).keys()];
      return counts.length >= 2 ? true : undefined;
    }, 'both hosts taking');
    await system.net.partition('h3', 'redis', true);
    // The outage the issue prescribes, not a wait for something to happen.
    await delay(PARTITION_MS);
    await system.net.partition('h3', 'redis', false);
    // Back on the network, its worker finds it was settled (by h2: only a settlement marks a consumer so,
    // and h2 is the only other host) and is replaced by a new one that takes again.
    await h3.waitForLine(
      /"reason":"its queue consumer was settled as dead[^"]*","msg":"worker reported unhealthy"/,
      30_000,
    );
    await eventually(
      () => (h3.lines.filter((line) => /worker process ready/.test(line)).length >= 2 ? true : undefined),
      'a fresh worker process on h3',
      30_000,
    );
    const result = await running;
    const ran = (await readFile(marks, 'utf8')).split('\n').filter(Boolean);
    const twice = ran.filter((id, index) => ran.indexOf(id) !== index);
    console.log(`scale partition ${JSON.stringify({ ran: ran.length, ranTwice: twice.length, ...result })}`);
    expect(result.unanswered).toBe(0);
    expect(result.connectionErrors).toBe(0);
    expect(Object.keys(result.failures).every((status) => status === '502')).toBe(true);
    expect(twice).toEqual([]);

    // Rejoined: h3 serves again.
    const after = await system.load({
      targets: ['h1'],
      path: '/sleep.test?ms=20',
      clients: 16,
      durationMs: 3000,
      mode: 'get',
      requestTimeoutMs: 15_000,
      retriesOnConnectionError: 0,
    });
    expect(after.ok).toBe(after.sent);
    expect((await system.machinesOf(after.workers)).get('h3')).toBeGreaterThan(0);
  }, 150_000);
});
