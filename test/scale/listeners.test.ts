import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/system.js';
import { ScaleSystem } from './harness/scale-system.js';

const REQUESTS = 10_000;

// Issue 15, item 2: three listeners on three machines feed one pool's shared queue; each reply must reach
// the listener, and the client, that sent its request. 10,000 requests with unique bodies are echoed while
// one listener is SIGKILLed and started again. The client retries a request whose connection failed
// before any answer on the next listener, as a load balancer in front of them would.
describe('scale-out: several listeners on several machines', () => {
  let system: ScaleSystem;
  beforeAll(async () => {
    system = await ScaleSystem.start({ hosts: 3, listeners: ['h1', 'h2', 'h3'], poolHosts: ['h1', 'h3'] });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  it('answers 10,000 unique bodies with their own replies, none lost, while a listener is killed and restarted', async () => {
    const running = system.load({
      targets: ['h1', 'h2', 'h3'],
      path: '/echo.test',
      clients: 16,
      durationMs: 120_000,
      total: REQUESTS,
      mode: 'echo',
      requestTimeoutMs: 30_000,
      retriesOnConnectionError: 2,
    });
    await eventually(
      async () => ((await system.inFlightByConsumer()).size > 0 ? true : undefined),
      'load flowing',
    );
    const killed = system.listeners.get('h2')!;
    await killed.stop('SIGKILL');
    await system.startListener('h2');
    const result = await running;
    console.log(`scale listeners ${JSON.stringify(result)}`);
    expect(result.sent).toBe(REQUESTS);
    expect(result.crossed).toBe(0);
    expect(result.ok).toBe(REQUESTS);
    expect(result.connectionErrors).toBe(0);
    expect(result.unanswered).toBe(0);
    expect(result.retried).toBeGreaterThan(0);
  }, 180_000);
});
