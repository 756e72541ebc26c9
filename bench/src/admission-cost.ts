import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueAdmission } from '@w3pool/listener';
import { QUEUE_KEY_PREFIX, poolQueueName } from '@w3pool/protocol';

export interface AdmissionCost {
  /** Redis CPU per call, from INFO commandstats. */
  admitRedisUs: number;
  addRedisUs: number;
  pingRedisUs: number;
  /** Calls per second with 64 in flight on one connection. */
  admitsPerSecond: number;
  addsPerSecond: number;
  pingsPerSecond: number;
}

/** Run `count` calls of `call`, `inFlight` at a time; calls per second. */
async function rate(count: number, inFlight: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Redis microseconds spent per call while `work` ran, over every command it sent. */
async function redisUsPerCall(
  redis: Redis,
  calls: number,
  work: () => Promise<number>,
): Promise<[number, number]> {
  await redis.config('RESETSTAT');
  const perSecond = await work();
  const stats = await redis.info('commandstats');
  let usec = 0;
  for (const match of stats.matchAll(/^cmdstat_(\w+):calls=\d+,usec=(\d+)/gm)) {
    if (match[1] !== 'info' && match[1] !== 'config') usec += Number(match[2]);
  }
  return [usec / calls, perSecond];
}

/**
 * What queueLength admission costs, against what BullMQ's add costs and against a bare round trip, on the
 * same Redis in the same run: Redis CPU per call and calls per second at 64 in flight.
 */
export async function measureAdmissionCost(redisUrl: string, calls = 20_000): Promise<AdmissionCost> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const admission = new QueueAdmission(redis);
  const queue = new Queue(poolQueueName('Bench'), { connection: redis, prefix: QUEUE_KEY_PREFIX });
  try {
    const [pingRedisUs, pingsPerSecond] = await redisUsPerCall(redis, calls, () =>
      rate(calls, 64, () => redis.ping()),
    );
    const [admitRedisUs, admitsPerSecond] = await redisUsPerCall(redis, calls, () =>
      rate(calls, 64, () => admission.admit('Bench', 65535 * 1000)),
    );
    const [addRedisUs, addsPerSecond] = await redisUsPerCall(redis, calls, () =>
      rate(calls, 64, (i) => queue.add('request', { i }, { removeOnComplete: true, removeOnFail: true })),
    );
    return { admitRedisUs, addRedisUs, pingRedisUs, admitsPerSecond, addsPerSecond, pingsPerSecond };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
