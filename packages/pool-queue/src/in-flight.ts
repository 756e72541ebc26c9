import type { Redis } from 'ioredis';
import type { RequestJob } from '@w3pool/protocol';
import type { PoolKeys } from './pool-keys.js';
import { decodeElement } from './queue-element.js';

/** A request a consumer took and has not completed: what WAS shows as `appcmd list requests`. */
export interface InFlightRequest {
  /** The consumer (`<workerId>.<n>`, one application domain of a worker process) that holds it. */
  consumer: string;
  job: RequestJob;
}

/**
 * Every request held by a registered consumer of the pool, read without changing anything (an admin read:
 * one HGETALL per consumer, never on the request path). A consumer that is settled while we read simply
 * has an empty hash by then.
 */
export async function readInFlight(redis: Redis, k: PoolKeys): Promise<InFlightRequest[]> {
  const consumers = await redis.hkeys(k.consumers);
  const held = await Promise.all(consumers.map((c) => redis.hgetallBuffer(k.inflight(c))));
  return consumers.flatMap((consumer, i) =>
    Object.values(held[i] ?? {}).map((element) => ({ consumer, job: decodeElement(element) })),
  );
}
