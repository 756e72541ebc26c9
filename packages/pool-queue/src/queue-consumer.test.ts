import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisReady } from '@w3pool/runtime';
import { eventually, startRedis, type TestRedis } from '@w3pool/test/helpers';
import { PoolQueue } from './pool-queue.js';
import { QueueConsumer, type TakenRequest } from './queue-consumer.js';
import { testJob } from '@w3pool/test/helpers';

// The w3wp's verbs (take, complete, the replies that ride with them), against a real redis-server.
describe('QueueConsumer', () => {
  let server: TestRedis;
  let admin: Redis;
  let queue: PoolQueue;
  const open: QueueConsumer<string>[] = [];
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
    const connection = createRedis(server.url, 'request');
    await redisReady(connection);
    queue = new PoolQueue(connection, 'P');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
    await admin.flushall();
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  const start = async (capacity: number, errors: unknown[] = [], events: string[] = []) => {
    const taken: TakenRequest[] = [];
    const consumer = new QueueConsumer<string>({
      redis: createRedis(server.url, 'worker'),
      blocking: createRedis(server.url, 'blocking'),
      pool: 'P',
      siteId: 1,
      appPath: '/',
      consumerId: `w.${open.length + 1}`,
      capacity,
      encodeBatch: (messages) => Buffer.from(JSON.stringify(messages)),
      onRequests: (requests) => {
        taken.push(...requests);
        events.push(`took ${requests.length}`);
      },
      onError: (error) => errors.push(error),
      onUnheard: (channel) => events.push(`unheard ${channel}`),
      onSettled: () => events.push('settled'),
    });
    open.push(consumer);
    await consumer.start();
    return { consumer, taken };
  };
  const count = (list: unknown[], n: number, what: string) =>
    eventually(() => (list.length >= n ? true : undefined), what);
  /** A plain consumer with its own connections: `redis` given when the test cuts it. */
  const plainConsumer = (
    consumerId: string,
    capacity: number,
    options: { redis?: Redis; onRequests?: (requests: TakenRequest[]) => void } = {},
  ) =>
    new QueueConsumer<string>({
      redis: options.redis ?? createRedis(server.url, 'worker'),
      blocking: createRedis(server.url, 'blocking'),
      pool: 'P',
      siteId: 1,
      appPath: '/',
      consumerId,
      capacity,
      encodeBatch: (m) => Buffer.from(m.join()),
      onRequests: options.onRequests ?? (() => undefined),
      onError: () => undefined,
    });
  const enqueue = async (n: number) => {
    const entries = Array.from({ length: n }, () => queue.entry(testJob()));
    await Promise.all(entries.map((e) => queue.enqueue(e)));
    return entries;
  };

  it('takes up to its capacity, and more as it completes requests', async () => {
    await enqueue(10);
    const { consumer, taken } = await start(4);
    await count(taken, 4, 'four requests taken');
    expect(consumer.inFlight).toBe(4);
    expect(await queue.depth()).toBe(6);
    for (const t of taken.slice(0, 4)) consumer.complete(t.id);
    await count(taken, 8, 'four more taken');
    expect(consumer.inFlight).toBe(4);
    expect(await admin.hlen(queue.keys.inflight(consumer.id))).toBe(4);
    expect(taken.map((t) => t.job.rawUrl)).toEqual([...new Set(taken.map((t) => t.job.rawUrl))]);
  });

  it("sends a turn's replies for one channel as one message, before releasing the requests' records", async () => {
    await enqueue(3);
    const { consumer, taken } = await start(16);
    await count(taken, 3, 'three requests taken');
    const subscriber = createRedis(server.url, 'subscriber');
    const received: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe('replies');
    try {
      const sent = taken.map((t) => consumer.publish('replies', t.id));
      for (const t of taken) consumer.complete(t.id);
      expect(await Promise.all(sent)).toEqual([1, 1, 1]);
      await count(received, 1, 'the batch');
      expect(received).toEqual([JSON.stringify(taken.map((t) => t.id))]);
      expect(await admin.hlen(queue.keys.inflight(consumer.id))).toBe(0);
    } finally {
      subscriber.disconnect();
    }
  });

  it('wakes from its blocking wait as soon as a request is queued', async () => {
    const { taken } = await start(16);
    // Let it reach the blocking wait: the first take found nothing.
    await eventually(
      async () => (String(await admin.client('LIST')).includes('cmd=blmove') ? true : undefined),
      'BLMOVE',
    );
    const queuedAt = Date.now();
    await enqueue(1);
    await count(taken, 1, 'the request taken');
    expect(Date.now() - queuedAt).toBeLessThan(1000);
  });

  it('gives back what its blocking wait moved when it stops, and unregisters when it closes', async () => {
    const { consumer } = await start(16);
    await eventually(
      async () => (String(await admin.client('LIST')).includes('cmd=blmove') ? true : undefined),
      'BLMOVE',
    );
    // As if the blocking wait had just moved a request when the consumer stopped.
    const entry = queue.entry(testJob());
    await admin.rpush(queue.keys.landing(consumer.id), entry.element);
    await admin.incr(queue.keys.depth);
    await consumer.stopTaking();
    expect(await queue.locate(entry)).toEqual({ state: 'queued' });
    expect(await admin.hexists(queue.keys.consumers, consumer.id)).toBe(1);
    await consumer.close();
    expect(await admin.hexists(queue.keys.consumers, consumer.id)).toBe(0);
    expect(await queue.depth()).toBe(1);
  });

  it('has handed over everything it took when stopTaking resolves, a take in flight included', async () => {
    await enqueue(2);
    const { consumer, taken } = await start(1);
    await count(taken, 1, 'one request taken');
    // Completing it starts an exchange that takes the second; stop while that exchange is in flight.
    consumer.complete(taken[0]!.id);
    await new Promise((resolve) => setImmediate(resolve));
    await consumer.stopTaking();
    expect(taken).toHaveLength(2);
    expect(consumer.inFlight).toBe(1);
  });

  it('ends its blocking wait when it stops, so a request queued afterwards stays in the lane', async () => {
    const { consumer } = await start(16);
    await eventually(
      async () => (String(await admin.client('LIST')).includes('cmd=blmove') ? true : undefined),
      'BLMOVE',
    );
    await consumer.stopTaking();
    expect(Number(/blocked_clients:(\d+)/.exec(await admin.info('clients'))![1])).toBe(0);
    const [entry] = await enqueue(1);
    expect(await queue.locate(entry!)).toEqual({ state: 'queued' });
    expect(await admin.llen(queue.keys.landing(consumer.id))).toBe(0);
  });

  it('stops taking, and may never register again, once its host settled it as dead', async () => {
    const errors: unknown[] = [];
    const events: string[] = [];
    const [first] = await enqueue(1);
    const { consumer, taken } = await start(16, errors, events);
    await count(taken, 1, 'the request taken');
    await queue.settleDeadWorker(consumer.id, 'exact');
    await eventually(() => (consumer.isTaking ? undefined : true), 'the consumer to stop taking');
    expect(String(errors[0])).toMatch(/settled as dead/);
    expect(events).toContain('settled');
    const [second] = await enqueue(1);
    expect(await queue.locate(second!)).toEqual({ state: 'queued' });
    expect(await queue.locate(first!)).toEqual({ state: 'gone' });
    const again = plainConsumer(consumer.id, 1);
    await expect(again.start()).rejects.toThrow(/settled as dead/);
  });

  // A host that died whole (or lost Redis) cannot settle its own consumers: any host of the pool settles
  // those whose heartbeats stopped for longer than the lease, and leaves the live ones alone.
  it('is settled by anyone once its heartbeats stop for longer than the lease; a live one is not', async () => {
    const [held, waiting] = await enqueue(2);
    const silentRedis = createRedis(server.url, 'worker');
    const silent = plainConsumer('gone.1', 1, { redis: silentRedis });
    open.push(silent);
    await silent.start();
    await eventually(
      async () => ((await queue.locate(held!)).state === 'running' ? true : undefined),
      'taken',
    );
    const { consumer: live, taken } = await start(1);
    await count(taken, 1, 'the other request taken by the live consumer');
    // Its connection cut: no more heartbeats, as from a host that lost Redis or died.
    silentRedis.disconnect();
    const leaseMs = 3000;
    const settled = await eventually(async () => {
      const found = await queue.settleSilentConsumers(leaseMs);
      return found.length > 0 ? found : undefined;
    }, 'the silent consumer to be settled');
    expect(settled.map((h) => h.job.id)).toEqual([held!.id]);
    expect(await admin.hexists(queue.keys.consumers, 'gone.1')).toBe(0);
    expect(await admin.exists(queue.keys.settled('gone.1'))).toBe(1);
    expect(await admin.hexists(queue.keys.consumers, live.id)).toBe(1);
    expect(await queue.locate(waiting!)).toMatchObject({ state: 'running', consumer: live.id });
  });

  // After a Sentinel failover the promoted replica may have missed the last completions: their in-flight
  // records come back as ghosts of finished requests, and their listeners would wait for replies that never
  // come. Once its connection is back, the consumer makes the records exactly what it runs.
  it('drops in-flight records of what it no longer runs once its connection comes back', async () => {
    const [finished, still] = await enqueue(2);
    const redis = createRedis(server.url, 'worker');
    const taken: TakenRequest[] = [];
    const consumer = plainConsumer('failover.1', 2, {
      redis,
      onRequests: (requests) => taken.push(...requests),
    });
    open.push(consumer);
    await consumer.start();
    await count(taken, 2, 'both taken');
    const ghost = taken.find((t) => t.id === finished!.id)!;
    consumer.complete(ghost.id);
    await eventually(
      async () => ((await queue.locate(finished!)).state === 'gone' ? true : undefined),
      'completed',
    );
    // What the replica had: the record of the finished request, as before its completion.
    await admin.hset(queue.keys.inflight(consumer.id), ghost.id, finished!.element);
    expect(await queue.locate(finished!)).toMatchObject({ state: 'running' });
    redis.disconnect(true);
    await eventually(
      async () => ((await queue.locate(finished!)).state === 'gone' ? true : undefined),
      'the ghost dropped',
    );
    expect(await queue.locate(still!)).toMatchObject({ state: 'running', consumer: 'failover.1' });
  });

  it('registers again, with the requests it runs, when Redis has forgotten it', async () => {
    const [entry] = await enqueue(1);
    const { consumer, taken } = await start(16);
    await count(taken, 1, 'the request taken');
    await admin.flushall();
    expect(await queue.locate(entry!)).toEqual({ state: 'gone' });
    await eventually(
      async () => ((await queue.locate(entry!)).state === 'running' ? true : undefined),
      'the consumer registered again',
    );
    expect(await admin.hget(queue.keys.consumers, consumer.id)).toBe(entry!.lane);
  });

  it('releases an element it cannot decode and reports it, without stopping', async () => {
    const errors: unknown[] = [];
    const bad = Buffer.concat([Buffer.from([0, 3]), Buffer.from('bad'), Buffer.from([0xc1])]);
    await admin.rpush(queue.entry(testJob()).lane, bad);
    await admin.incr(queue.keys.depth);
    const { consumer, taken } = await start(16, errors);
    await count(errors, 1, 'the error');
    await enqueue(1);
    await count(taken, 1, 'the next request taken');
    expect(consumer.inFlight).toBe(1);
    await eventually(
      async () => ((await admin.hexists(queue.keys.inflight(consumer.id), 'bad')) === 0 ? true : undefined),
      'released',
    );
  });

  it('says which channel a reply reached nobody on, before handing over what the same round trip took', async () => {
    const events: string[] = [];
    await enqueue(1);
    const { consumer, taken } = await start(1, [], events);
    await count(taken, 1, 'the first request taken');
    await enqueue(1);
    const subscriber = new Redis(server.url);
    await subscriber.subscribe('heard');
    // The completion frees the slot, so the second request is taken in the round trip that carries both
    // replies: the unheard channel is reported before it is handed over.
    const heard = consumer.publish('heard', 'a');
    const unheard = consumer.publish('nobody', 'b');
    consumer.complete(taken[0]!.id);
    expect(await heard).toBe(1);
    expect(await unheard).toBe(0);
    await count(taken, 2, 'the second request taken');
    expect(events).toEqual(['took 1', 'unheard nobody', 'took 1']);
    expect(await consumer.subscribers('heard')).toBe(1);
    expect(await consumer.subscribers('nobody')).toBe(0);
    subscriber.disconnect();
  });
});
