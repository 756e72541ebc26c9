import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisReady } from '@w3pool/runtime';
import { eventually, startRedis, type TestRedis } from '@w3pool/test/helpers';
import { PoolQueue } from './pool-queue.js';
import { QueueConsumer, type TakenRequest } from './queue-consumer.js';
import { QueueUnreachableError } from './enqueue-batch.js';
import { watchDemand } from './demand.js';
import { testJob } from '@w3pool/test/helpers';

// The listener's, the pool host's and WAS's verbs, against a real redis-server of this suite's own.
describe('PoolQueue', () => {
  let server: TestRedis;
  let redis: Redis;
  let admin: Redis;
  const consumers: QueueConsumer<string>[] = [];
  beforeAll(async () => {
    server = await startRedis();
    redis = createRedis(server.url, 'request');
    await redisReady(redis);
    admin = new Redis(server.url);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close().catch(() => undefined)));
    await admin.flushall();
  });
  afterAll(async () => {
    redis?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  /** A consumer of pool P's `/` lane whose taken requests are collected, never completed. */
  const consumer = (id: string, capacity = 16) => {
    const taken: TakenRequest[] = [];
    const c = new QueueConsumer<string>({
      redis: createRedis(server.url, 'worker'),
      blocking: createRedis(server.url, 'blocking'),
      pool: 'P',
      siteId: 1,
      appPath: '/',
      consumerId: id,
      capacity,
      encodeBatch: (messages) => Buffer.from(JSON.stringify(messages)),
      onRequests: (requests) => taken.push(...requests),
      onError: () => undefined,
    });
    consumers.push(c);
    return { c, taken };
  };

  it('admits up to queueLength in one script call per turn, and refuses the rest as QueueFull', async () => {
    const queue = new PoolQueue(redis, 'P', { queueLength: 10 });
    await admin.config('RESETSTAT');
    const entries = Array.from({ length: 14 }, () => queue.entry(testJob()));
    const results = await Promise.all(entries.map((e) => queue.enqueue(e)));
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(results.slice(10)).toEqual([false, false, false, false]);
    expect(await queue.depth()).toBe(10);
    expect(await admin.llen(entries[0]!.lane)).toBe(10);
    const stats = await admin.info('commandstats');
    const scriptCalls = [...stats.matchAll(/^cmdstat_(eval|evalsha):calls=(\d+)/gm)].reduce(
      (sum, m) => sum + Number(m[2]),
      0,
    );
    expect(scriptCalls).toBe(1);
    expect((await queue.stats()).RejectedRequests).toBe(4);
  });

  it('recounts a depth counter that drifted from what is queued, up or below zero', async () => {
    const queue = new PoolQueue(redis, 'P', { queueLength: 10 });
    await queue.enqueue(queue.entry(testJob()));
    await admin.set(queue.keys.depth, 50);
    expect(await queue.enqueue(queue.entry(testJob()))).toBe(true);
    expect(await queue.depth()).toBe(2);
    await admin.set(queue.keys.depth, -5);
    expect(await queue.enqueue(queue.entry(testJob()))).toBe(true);
    expect(await queue.depth()).toBe(1);
  });

  it('withdraws a waiting request exactly once, and locates without changing anything', async () => {
    const queue = new PoolQueue(redis, 'P');
    const [a, b] = [queue.entry(testJob()), queue.entry(testJob())];
    await Promise.all([queue.enqueue(a), queue.enqueue(b)]);
    expect(await queue.locate(a)).toEqual({ state: 'queued' });
    expect(await queue.withdraw(a)).toEqual({ state: 'withdrawn' });
    expect(await queue.withdraw(a)).toEqual({ state: 'gone' });
    expect(await queue.depth()).toBe(1);
    expect(await queue.locate(b)).toEqual({ state: 'queued' });
  });

  it('reports a request a consumer took as running there, with its heartbeat, and never withdraws it', async () => {
    const queue = new PoolQueue(redis, 'P');
    const entry = queue.entry(testJob());
    await queue.enqueue(entry);
    const { c, taken } = consumer('w1.1');
    await c.start();
    await eventually(() => (taken.length === 1 ? true : undefined), 'the request taken');
    const where = await queue.withdraw(entry);
    expect(where).toMatchObject({ state: 'running', consumer: 'w1.1' });
    expect(where.state === 'running' && Date.now() - where.lastSeenMs).toBeLessThan(5000);
    expect(await queue.depth()).toBe(0);
  });

  it('publishes demand when a request is queued while no consumer is registered, and only then', async () => {
    const queue = new PoolQueue(redis, 'P');
    const subscriber = createRedis(server.url, 'subscriber');
    let demands = 0;
    const stop = await watchDemand(subscriber, 'P', () => (demands += 1));
    try {
      await queue.enqueue(queue.entry(testJob()));
      await eventually(() => (demands === 1 ? true : undefined), 'a demand notice');
      const { c, taken } = consumer('w1.1');
      await c.start();
      await eventually(() => (taken.length === 1 ? true : undefined), 'the request taken');
      await queue.enqueue(queue.entry(testJob()));
      await eventually(() => (taken.length === 2 ? true : undefined), 'the second request taken');
      expect(demands).toBe(1);
    } finally {
      await stop();
      subscriber.disconnect();
    }
  });

  it('settles a dead worker: its running requests are returned, what it had not started is queued again', async () => {
    const queue = new PoolQueue(redis, 'P');
    const jobs = [testJob(), testJob({ method: 'POST' }), testJob()];
    for (const job of jobs) await queue.enqueue(queue.entry(job));
    const { c, taken } = consumer('deadbeef.1', 2);
    await c.start();
    await eventually(() => (taken.length === 2 ? true : undefined), 'two requests taken');
    // A request its blocking wait had moved but it never took: still counted, and back at the front.
    const left = queue.entry(jobs[2]!);
    await admin.lmove(left.lane, queue.keys.landing('deadbeef.1'), 'LEFT', 'RIGHT');
    const held = await queue.settleDeadWorker('deadbeef.');
    expect(held.map((h) => h.job.id).sort()).toEqual([jobs[0]!.id, jobs[1]!.id].sort());
    expect(held.every((h) => !h.retried)).toBe(true);
    expect(await admin.hlen(queue.keys.consumers)).toBe(0);
    expect(await admin.exists(queue.keys.inflight('deadbeef.1'))).toBe(0);
    expect(await queue.locate(left)).toEqual({ state: 'queued' });
    expect(await queue.depth()).toBe(1);
    consumers.splice(0);
  });

  it('re-queues a settled request once, at the front, and the listener can still withdraw it', async () => {
    const queue = new PoolQueue(redis, 'P');
    const entry = queue.entry(testJob());
    await queue.enqueue(entry);
    await queue.enqueue(queue.entry(testJob()));
    const { c, taken } = consumer('w2.1', 1);
    await c.start();
    await eventually(() => (taken.length === 1 ? true : undefined), 'one request taken');
    await c.stopTaking();
    const [held] = await queue.settleDeadWorker('w2.');
    await queue.requeue(held!);
    expect(await queue.depth()).toBe(2);
    const head = await admin.lindexBuffer(entry.lane, 0);
    expect(head![0]).toBe(1); // the retried flag
    expect(await queue.withdraw(entry)).toEqual({ state: 'withdrawn' });
    consumers.splice(0);
  });

  it('reports IIS queue counters: CurrentQueueSize, MaxQueueItemAge, ArrivalRate, RejectedRequests', async () => {
    const queue = new PoolQueue(redis, 'P', { queueLength: 10 });
    const now = Date.now();
    await queue.enqueue(queue.entry(testJob({ enqueuedAt: now - 4000 })));
    for (let i = 0; i < 11; i += 1) void queue.enqueue(queue.entry(testJob()));
    await queue.enqueue(queue.entry(testJob()));
    const stats = await queue.stats(now + 1000);
    expect(stats.CurrentQueueSize).toBe(10);
    expect(stats.MaxQueueItemAge).toBeGreaterThanOrEqual(5000);
    expect(stats.ArrivalRate).toBeCloseTo(10 / 5);
    expect(stats.RejectedRequests).toBe(3);
    expect(stats).toMatchObject({ pool: 'P', consumers: 0, requestsInFlight: 0 });
  });

  it('refuses at once while Redis is unreachable, and within the admission timeout while it hangs', async () => {
    const queue = new PoolQueue(redis, 'P', { admissionTimeoutMs: 300 });
    const down = createRedis('redis://127.0.0.1:1', 'request');
    try {
      const refused = new PoolQueue(down, 'P').enqueue(queue.entry(testJob()));
      await expect(refused).rejects.toBeInstanceOf(QueueUnreachableError);
    } finally {
      down.disconnect();
    }
    // A Redis that accepts the call but does not answer (stopped with SIGSTOP) is refused in time; what it
    // queues when it resumes is taken back, so a request answered 503 never runs.
    const entry = queue.entry(testJob());
    const pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))![1]);
    process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    try {
      await expect(queue.enqueue(entry)).rejects.toBeInstanceOf(QueueUnreachableError);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually(
      async () => ((await queue.depth()) === 0 ? true : undefined),
      'the late admission withdrawn',
    );
    expect(await queue.locate(entry)).toEqual({ state: 'gone' });
  });

  it('keeps every key of a pool in one Redis Cluster slot: one hash tag, the pool name', async () => {
    const queue = new PoolQueue(redis, 'My {odd} Pool');
    await queue.enqueue(queue.entry(testJob()));
    const c = new QueueConsumer<string>({
      redis: createRedis(server.url, 'worker'),
      blocking: createRedis(server.url, 'blocking'),
      pool: 'My {odd} Pool',
      siteId: 1,
      appPath: '/',
      consumerId: 'w3.1',
      capacity: 1,
      encodeBatch: (m) => Buffer.from(m.join()),
      onRequests: () => undefined,
      onError: () => undefined,
    });
    consumers.push(c);
    await c.start();
    await eventually(async () => ((await queue.stats()).requestsInFlight === 1 ? true : undefined), 'taken');
    const keys = await admin.keys('*');
    expect(keys.length).toBeGreaterThan(4);
    for (const key of keys) expect(hashTag(key), key).toBe('My%20%7Bodd%7D%20Pool');
  });
});

/** The part of a key Redis Cluster hashes: the first `{...}` with something inside, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
