import { printOutputOnFailure } from '../helpers/failure-output.js';
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

/** POST a body and resolve with the status and the body that came back. */
function post(agent: Agent, port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/echo.test',
        method: 'POST',
        agent,
        headers: { 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

interface Tally {
  ok: number;
  crossed: number;
  failed: number;
}

/** Send `count` unique bodies spread over `ports`, `concurrency` at a time; count right, crossed and failed. */
async function load(ports: number[], count: number, concurrency: number, agent: Agent): Promise<Tally> {
  const tally: Tally = { ok: 0, crossed: 0, failed: 0 };
  let next = 0;
  const runner = async () => {
    while (next < count) {
      const i = (next += 1);
      const body = `request ${i} ${randomBytes(12).toString('hex')}`;
      try {
        const answer = await post(agent, ports[i % ports.length]!, body);
        if (answer.status === 200 && answer.body === body) tally.ok += 1;
        else tally.crossed += 1;
      } catch {
        tally.failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, runner));
  return tally;
}

// Two listener instances on different ports share one Redis and one pool: every reply must reach the client
// that sent the request, through the listener that holds its connection, and a listener's death must not
// disturb the other's clients.
describe('two listener instances on one pool', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  beforeAll(async () => {
    system = await startSystem({
      portCount: 2,
      listeners: [[0], [1]],
      config: ([a, b]) => {
        const config = siteConfig(a!);
        config.sites[0]!.bindings.push({ protocol: 'http', bindingInformation: `127.0.0.1:${b}:` });
        return { ...config, webServer: { handlers: testHandlers() } };
      },
    });
  });
  afterAll(async () => {
    agent.destroy();
    await system?.stop();
  });

  it('delivers 10,000 unique replies to the right clients, none crossed or lost', async () => {
    const tally = await load(system.ports, 10_000, 48, agent);
    expect(tally).toEqual({ ok: 10_000, crossed: 0, failed: 0 });
  });

  it("keeps serving one listener's clients while the other is killed and restarted, without crossing replies", async () => {
    const [portA, portB] = system.ports as [number, number];
    const survivor = load([portA], 3000, 24, agent);
    // Kill B in the middle of A's load, then bring a new B up on the same port (a new instance, new channel).
    const victim = load([portB], 1000, 8, agent);
    await new Promise((resolve) => setImmediate(resolve));
    await system.listeners[1]!.stop('SIGKILL');
    const restarted = await system.startListener([1]);
    expect(restarted.pid).not.toBe(system.listeners[1]!.pid);
    const [a, b] = await Promise.all([survivor, victim]);
    expect(a).toEqual({ ok: 3000, crossed: 0, failed: 0 });
    // B's clients may have lost their connections with it, but none got someone else's reply.
    expect(b.crossed).toBe(0);
    const after = await load([portA, portB], 2000, 24, agent);
    expect(after).toEqual({ ok: 2000, crossed: 0, failed: 0 });
  });
});
