import type { Redis } from 'ioredis';
import { queueDepthKey, queueWaitListKey } from '@w3pool/protocol';

// One round trip, O(1) in Redis: count the request in, unless the pool's queue is at queueLength. The
// counter is the source of truth on the fast path; only when it says "full" is it checked against the length
// of BullMQ's wait list (LLEN, O(1)), and corrected if it drifted up (a listener that died between counting
// a request in and queueing it, or jobs removed by an administrator).
const ADMIT_SCRIPT = `
local limit = tonumber(ARGV[1])
local depth = redis.call('INCR', KEYS[1])
if depth <= limit then return depth end
local waiting = redis.call('LLEN', KEYS[2])
if waiting < limit then
  redis.call('SET', KEYS[1], waiting + 1)
  return waiting + 1
end
redis.call('DECR', KEYS[1])
return -1
`;

interface AdmissionCommands {
  w3poolAdmit(depthKey: string, waitKey: string, limit: number): Promise<number>;
}

/**
 * http.sys's queueLength: a bound on the requests waiting in a pool's queue, shared by every listener.
 * A worker that takes a request, or a listener that withdraws one, counts it out.
 */
export class QueueAdmission {
  private readonly redis: Redis & AdmissionCommands;

  constructor(redis: Redis) {
    redis.defineCommand('w3poolAdmit', { numberOfKeys: 2, lua: ADMIT_SCRIPT });
    this.redis = redis as Redis & AdmissionCommands;
  }

  /** True when the request may be queued; it then counts towards the pool's queueLength. */
  async admit(pool: string, queueLength: number): Promise<boolean> {
    const depth = await this.redis.w3poolAdmit(queueDepthKey(pool), queueWaitListKey(pool), queueLength);
    return depth > 0;
  }

  /** Count out a request that was admitted but never reached a worker (withdrawn, or not queued). */
  async release(pool: string): Promise<void> {
    await this.redis.decr(queueDepthKey(pool));
  }
}
