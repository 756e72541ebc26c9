import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/system.js';
import { ScaleSystem } from './harness/scale-system.js';

// Issue 15, item 1: pool hosts on several machines take from one shared queue, so one listener's
// requests are spread over every host, and a host that joins under load takes its share at once. (How
// throughput grows with hosts is a bench case: pnpm bench:scale, bench/src/scale-main.ts.)
describe('scale-out: one listener, pool hosts on three machines', () => {
  let system: ScaleSystem;
  beforeAll(async () => {
    system = await ScaleSystem.start({ hosts: 3, listeners: ['h1'], poolHosts: ['h1', 'h2'] });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  it('takes requests on a host that joins under load as soon as its worker is ready', async () => {
    const running = system.load({
      targets: ['h1'],
      path: '/sleep.test?ms=20',
      clients: 24,
      durationMs: 15_000,
      mode: 'get',
      requestTimeoutMs: 15_000,
      retriesOnConnectionError: 0,
    });
    const before = new Set((await system.inFlightByConsumer()).keys());
    const startedAt = Date.now();
    await system.startPoolHost('h3');
    const readyAt = Date.now();
    await eventually(
      async () =>
        [...(await system.inFlightByConsumer()).keys()].some((c) => !before.has(c)) ? true : undefined,
      'the new host taking requests',
      10_000,
    );
    const takingAt = Date.now();
    const result = await running;
    console.log(
      `scale join ${JSON.stringify({ startToTakingMs: takingAt - startedAt, readyToTakingMs: takingAt - readyAt, ok: result.ok, sent: result.sent })}`,
    );
    expect(result.ok).toBe(result.sent);
    expect((await system.machinesOf(result.workers)).get('h3')).toBeGreaterThan(0);
  }, 90_000);

  it('spreads the requests of one listener over every host, and answers them all', async () => {
    const result = await system.load({
      targets: ['h1'],
      path: '/sleep.test?ms=20',
      clients: 24,
      durationMs: 4000,
      mode: 'get',
      requestTimeoutMs: 15_000,
      retriesOnConnectionError: 0,
    });
    console.log(`scale spread ${JSON.stringify(result)}`);
    expect(result.ok).toBe(result.sent);
    const byMachine = await system.machinesOf(result.workers);
    expect([...byMachine.keys()].sort()).toEqual(['h1', 'h2', 'h3']);
    // Each host does a real share, not a token request: at least a sixth of an even split.
    for (const count of byMachine.values()) expect(count).toBeGreaterThan(result.ok / 3 / 6);
  }, 90_000);
});
