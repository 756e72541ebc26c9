import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/system.js';
import { ScaleSystem } from './harness/scale-system.js';

// Issue 15, item 3: a whole pool-host machine dies under load (every process in it SIGKILLed at once), so
// nothing of it is left to settle what its workers held. The other host settles those requests once their
// consumers' lease expires (pingInterval + pingResponseTime: 5 s here), answering 502.3 through their
// listener, and goes on serving the shared queue. No request stays unanswered.
describe('scale-out: losing a pool-host machine under load', () => {
  let system: ScaleSystem;
  beforeAll(async () => {
    system = await ScaleSystem.start({
      hosts: 3,
      listeners: ['h1'],
      poolHosts: ['h2', 'h3'],
      pool: { processModel: { pingInterval: '00:00:02', pingResponseTime: '00:00:03' } },
    });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  it('settles what the dead machine held (502.3) from the other host, and serves the rest', async () => {
    const running = system.load({
      targets: ['h1'],
      path: '/sleep.test?ms=300',
      clients: 16,
      durationMs: 16_000,
      mode: 'get',
      requestTimeoutMs: 30_000,
      retriesOnConnectionError: 0,
    });
    // Both hosts' workers are running requests: the machine dies with some of them in hand.
    await eventually(async () => {
      const counts = [...(await system.inFlightByConsumer()).values()];
      return counts.length >= 2 && counts.every((n) => n > 0) ? true : undefined;
    }, 'requests in flight on both hosts');
    const killed = await system.net.killMachine('h3');
    const result = await running;
    console.log(`scale host loss ${JSON.stringify({ killedProcesses: killed.length, ...result })}`);
    expect(result.unanswered).toBe(0);
    expect(result.connectionErrors).toBe(0);
    expect(Object.keys(result.failures)).toEqual(['502']);
    expect(result.failures['502']).toBeGreaterThan(0);
    // Settled by the surviving host, not left to the listener's own timers.
    await system.poolHosts.get('h2')!.waitForLine(/requests of silent queue consumers settled/, 1000);
    const byMachine = await system.machinesOf(result.workers);
    expect(byMachine.get('h2')).toBeGreaterThan(0);
    expect(system.poolHosts.get('h2')!.running).toBe(true);
  }, 120_000);
});
