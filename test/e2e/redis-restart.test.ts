import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolQueue } from '@w3pool/pool-queue';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

/** How a request ended: its status, 0 for a connection error, -1 when the client gave up waiting. */
interface Outcome {
  status: number;
  sentAt: number;
  ms: number;
}

const RATE = 100;
const SECONDS = 15;
const OUTAGE_MS = 5000;
/** A client that waits this long got no answer: the request counts as unanswered. */
const CLIENT_PATIENCE_MS = 60_000;

function hit(agent: Agent, url: string): Promise<Outcome> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const done = (status: number) => resolve({ status, sentAt, ms: Date.now() - sentAt });
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(0));
    });
    req.setTimeout(CLIENT_PATIENCE_MS, () => {
      req.destroy();
      done(-1);
    });
    req.on('error', () => done(0));
    req.end();
  });
}

// The queue holds requests while workers crash or recycle; here Redis itself goes away. Nothing may hang and
// nothing may be dropped silently: every request accepted gets an answer.
describe('a Redis restart under load', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => ({
        ...siteConfig(port!, undefined, { pool: { startMode: 'AlwaysRunning' } }),
        webServer: { handlers: testHandlers() },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(`answers all ${RATE * SECONDS} requests at ${RATE}/s while Redis stops for 5 s and comes back empty`, async () => {
    const url = `${system.baseUrl}/sleep.test?ms=40`;
    await eventually(async () => ((await httpRequest(url)).status === 200 ? true : undefined), 'a worker');
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const outcomes: Promise<Outcome>[] = [];
    const started = Date.now();
    let down = { from: 0, to: 0 };
    const total = RATE * SECONDS;
    const outage = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        system.redis
          .restart(async () => {
            down = { from: Date.now(), to: 0 };
            // The length of the outage under test, not a wait for something to happen.
            await new Promise((r) => setTimeout(r, OUTAGE_MS));
          })
          .then(() => {
            down.to = Date.now();
            resolve();
          }, reject);
      }, 3000);
    });
    // Paced by the clock: every 50 ms, the requests due by now (bounded in count and time).
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE));
        while (outcomes.length < due) outcomes.push(hit(agent, url));
        if (outcomes.length >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    await outage;
    const results = await Promise.all(outcomes);
    agent.destroy();

    const byStatus: Record<string, number> = {};
    for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const duringOutage = results.filter((r) => r.sentAt > down.from + 200 && r.sentAt < down.to - 200);
    const slowestWhileDown = Math.max(0, ...duringOutage.map((r) => r.ms));
    const afterRecovery = results.filter((r) => r.sentAt > down.to + 3000);
    console.log(
      `Redis restart under load: ${results.length} sent, statuses ${JSON.stringify(byStatus)}, ` +
        `${duringOutage.length} sent while Redis was down (slowest answer ${slowestWhileDown} ms), ` +
        `${afterRecovery.length} sent after recovery, unanswered ${byStatus[-1] ?? 0}, connection errors ${byStatus[0] ?? 0}`,
    );

    expect(results).toHaveLength(total);
    // Every request answered: no client gave up, no connection dropped.
    expect(byStatus[-1] ?? 0).toBe(0);
    expect(byStatus[0] ?? 0).toBe(0);
    expect(Object.keys(byStatus).sort()).toEqual(expect.arrayContaining(['200']));
    for (const status of Object.keys(byStatus)) expect(['200', '502', '503']).toContain(status);
    // While Redis is down, a new request gets its 503 within the admission timeout, not a hang.
    expect(duringOutage.length).toBeGreaterThan(RATE * 3);
    expect(duringOutage.every((r) => r.status === 503)).toBe(true);
    expect(slowestWhileDown).toBeLessThan(3000);
    // Once everything has reconnected, requests are served again.
    expect(afterRecovery.length).toBeGreaterThan(RATE * 2);
    expect(afterRecovery.every((r) => r.status === 200)).toBe(true);
    // No process fell over.
    for (const service of [system.was, system.listener, system.worker]) expect(service.running).toBe(true);
    // The queue's counters say what is really there: nothing waits, nothing is held.
    const redis = new Redis(system.redis.url);
    try {
      const stats = await new PoolQueue(redis, 'DefaultAppPool').stats();
      expect(stats).toMatchObject({ CurrentQueueSize: 0, requestsInFlight: 0 });
    } finally {
      redis.disconnect();
    }
  }, 120_000);
});
