import type { Redis } from 'ioredis';
import type { PoolKeys } from './pool-keys.js';
import { decodeElement } from './queue-element.js';

/** What became of a request whose listener had gone (QueueStats.AbandonedRequests). */
export type AbandonedOutcome = 'skipped' | 'aborted' | 'expired';

/** Over how many whole seconds ArrivalRate is averaged. */
const RATE_WINDOW_S = 5;

/**
 * One pool queue's counters, named as IIS's "HTTP Service Request Queues" performance counters, plus who
 * consumes the queue. An admin read: a few round trips, never on the request path.
 */
export interface QueueStats {
  pool: string;
  /** Requests waiting in the queue now. */
  CurrentQueueSize: number;
  /** Age of the oldest request waiting, in ms (0 when none waits). */
  MaxQueueItemAge: number;
  /** Requests admitted per second, over the last 5 whole seconds. */
  ArrivalRate: number;
  /** Requests refused because the queue was full (QueueFull), since Redis last started. */
  RejectedRequests: number;
  /**
   * Requests whose listener had gone, and their clients with it (a listener killed or restarted), since
   * Redis last started: `skipped` were taken once a worker knew it and never run; `aborted` ran and were
   * stopped at their first reply, which nobody received; `expired` were past their queue deadline.
   */
  AbandonedRequests: Record<AbandonedOutcome, number>;
  /** Consumers (application domains of worker processes) taking from the queue. */
  consumers: number;
  /** Requests taken by a consumer and not finished yet. */
  requestsInFlight: number;
}

export async function readQueueStats(redis: Redis, k: PoolKeys, now: number): Promise<QueueStats> {
  const second = Math.floor(now / 1000);
  const arrivalKeys = Array.from({ length: RATE_WINDOW_S }, (_, i) => k.arrivals(second - 1 - i));
  const [depth, lanes, rejected, abandoned, consumers, arrivals] = await Promise.all([
    redis.get(k.depth),
    redis.smembers(k.lanes),
    redis.get(k.rejected),
    redis.hgetall(k.abandoned),
    redis.hkeys(k.consumers),
    redis.mget(...arrivalKeys),
  ]);
  const [heads, inFlight] = await Promise.all([
    Promise.all(lanes.map((lane) => redis.lindexBuffer(lane, 0))),
    Promise.all(consumers.map((c) => redis.hlen(k.inflight(c)))),
  ]);
  let oldest = now;
  for (const head of heads) {
    if (!head) continue;
    try {
      oldest = Math.min(oldest, decodeElement(head).enqueuedAt);
    } catch {
      // An element this build cannot read says nothing about age.
    }
  }
  const arrived = arrivals.reduce((sum, n) => sum + Number(n ?? 0), 0);
  return {
    pool: k.pool,
    CurrentQueueSize: Math.max(0, Number(depth ?? 0)),
    MaxQueueItemAge: Math.max(0, now - oldest),
    ArrivalRate: arrived / RATE_WINDOW_S,
    RejectedRequests: Number(rejected ?? 0),
    AbandonedRequests: {
      skipped: Number(abandoned.skipped ?? 0),
      aborted: Number(abandoned.aborted ?? 0),
      expired: Number(abandoned.expired ?? 0),
    },
    consumers: consumers.length,
    requestsInFlight: inFlight.reduce((sum, n) => sum + n, 0),
  };
}
