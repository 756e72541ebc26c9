import type { Redis } from 'ioredis';
import { queueDepthKey, queueWaitListKey } from '@w3pool/protocol';

// One round trip, O(1) in Redis: count the request in, unless the pool's queue is at queueLength. The
// counter is the source of truth on the fast path; only when it says "full" is it checked against the length
// of BullMQ's wait list (LLEN, O(1)), and corrected if it drifted up (a listener that died between counting
// a request in and queueing it, or jobs removed by an administrator).
const ADMIT_SCRIPT = `
local limit = tonumber(ARGV[1])
local depth = redis.call('INCR', KEYS[1])
if depth < 1 then
  -- Drifted below zero (a request counted out twice): this request alone is certainly waiting.
  redis.call('SET', KEYS[1], 1)
  return 1
end
if depth <= limit then return depth end
local waiting = redis.call('LLEN', KEYS[2])
if waiting < limit then
  redis.call('SET', KEYS[1], waiting + 1)
  return waiting + 1
end
redis.call('DECR', KEYS[1])
return 0
`;

// Take a job back only if it is still waiting: LREM from BullMQ's wait list is the claim (a worker moves
// jobs out of that list atomically, so the two cannot both succeed), and the count goes down with it.
// O(queue length), but it runs only when a client leaves or a deadline passes, never per request.
const WITHDRAW_SCRIPT = `
local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
if removed == 1 then redis.call('DECR', KEYS[2]) end
return removed
`;

interface AdmissionCommands {
  w3poolAdmit(depthKey: string, waitKey: string, limit: number): Promise<number>;
  w3poolWithdraw(waitKey: string, depthKey: string, jobId: string): Promise<number>;
}

/**
 * http.sys's queueLength: a bound on the requests waiting in a pool's queue, shared by every listener.
 * A worker that takes a request, or a listener that withdraws one, counts it out.
 */
export class QueueAdmission {
  private readonly redis: Redis & AdmissionCommands;

  constructor(redis: Redis) {
    redis.defineCommand('w3poolAdmit', { numberOfKeys: 2, lua: ADMIT_SCRIPT });
    redis.defineCommand('w3poolWithdraw', { numberOfKeys: 2, lua: WITHDRAW_SCRIPT });
    this.redis = redis as Redis & AdmissionCommands;
  }

  /** True when the request may be queued; it then counts towards the pool's queueLength. */
  async admit(pool: string, queueLength: number): Promise<boolean> {
    const depth = await this.redis.w3poolAdmit(queueDepthKey(pool), queueWaitListKey(pool), queueLength);
    return depth > 0;
  }

  /**
   * Take a queued request back before any worker has it. True means it will never run (and it is counted
   * out); false means a worker already took it.
   */
  async withdraw(pool: string, jobId: string): Promise<boolean> {
    return (await this.redis.w3poolWithdraw(queueWaitListKey(pool), queueDepthKey(pool), jobId)) === 1;
  }

  /** The counter and BullMQ's wait list length, for the log line of a refusal. */
  async depth(pool: string): Promise<{ counted: number; waiting: number }> {
    const [counted, waiting] = await Promise.all([
      this.redis.get(queueDepthKey(pool)),
      this.redis.llen(queueWaitListKey(pool)),
    ]);
    return { counted: Number(counted ?? 0), waiting };
  }

  /** Count out a request that was admitted but never reached a worker (withdrawn, or not queued). */
  async release(pool: string): Promise<void> {
    await this.redis.decr(queueDepthKey(pool));
  }
}
