import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_KEY_PREFIX, poolQueueName, queueDepthKey } from '@w3pool/protocol';
import { startRedis, type TestRedis } from '@w3pool/test/helpers';
import { QueueAdmission } from './queue-admission.js';

// queueLength without counting a list per request: a counter kept by admission and by whoever takes a
// request out, checked against BullMQ's wait list only when it says "full".
describe('queue admission', () => {
  let server: TestRedis;
  let redis: Redis;
  let queue: Queue;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    queue = new Queue(poolQueueName('P'), { connection: redis, prefix: QUEUE_KEY_PREFIX });
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await server?.stop();
  });

  it('admits up to queueLength, refuses the next, and withdraws only what is still waiting', async () => {
    const admission = new QueueAdmission(redis);
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      expect(await admission.admit('P', 10)).toBe(true);
      ids.push((await queue.add('request', { i })).id!);
    }
    expect(await admission.admit('P', 10)).toBe(false);
    expect(await redis.get(queueDepthKey('P'))).toBe('10');

    expect(await admission.withdraw('P', ids[0]!)).toBe(true);
    expect(await redis.get(queueDepthKey('P'))).toBe('9');
    // Gone from the wait list already (withdrawn, or taken by a worker): no second count-out.
    expect(await admission.withdraw('P', ids[0]!)).toBe(false);
    expect(await admission.withdraw('P', 'no-such-job')).toBe(false);
    expect(await redis.get(queueDepthKey('P'))).toBe('9');
  });

  it('corrects a counter that drifted: above the wait list when full, and below zero', async () => {
    const admission = new QueueAdmission(redis);
    await queue.drain();
    await redis.set(queueDepthKey('P'), 50); // e.g. a listener died between counting in and queueing
    expect(await admission.admit('P', 10)).toBe(true);
    expect(await redis.get(queueDepthKey('P'))).toBe('1');
    await redis.set(queueDepthKey('P'), -5);
    expect(await admission.admit('P', 10)).toBe(true);
    expect(await redis.get(queueDepthKey('P'))).toBe('1');
  });
});
