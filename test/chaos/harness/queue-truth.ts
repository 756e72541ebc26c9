import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '@w3pool/protocol';

/**
 * The pool's depth counter beside what is really queued: every lane named in the lanes set plus every
 * landing list in Redis (found by SCAN, so one left by a dead consumer counts too). After a fault, the
 * two must agree.
 */
export async function queueTruth(redis: Redis, pool: string): Promise<{ counter: number; queued: number }> {
  // packages/pool-queue/src/pool-keys.ts's layout (it keeps its key functions to itself).
  const prefix = `${KEY_PREFIX}:{${encodeURIComponent(pool)}}:`;
  const k = { depth: `${prefix}depth`, lanes: `${prefix}lanes`, prefix };
  const counter = Number((await redis.get(k.depth)) ?? 0);
  let queued = 0;
  for (const lane of await redis.smembers(k.lanes)) queued += await redis.llen(lane);
  let cursor = '0';
  // Bounded: SCAN returns to cursor 0 after one pass over the keyspace.
  for (let pass = 0; pass < 10_000; pass += 1) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${k.prefix}landing:*`, 'COUNT', 1000);
    for (const key of keys) queued += await redis.llen(key);
    cursor = next;
    if (cursor === '0') break;
  }
  return { counter, queued };
}
