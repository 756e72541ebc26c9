import type { Redis } from 'ioredis';
import type { RequestJob } from '@w3pool/protocol';
import { EnqueueBatch } from './enqueue-batch.js';
import { readInFlight, type InFlightRequest } from './in-flight.js';
import { poolKeys, type PoolKeys } from './pool-keys.js';
import {
  FLAG_RETRIED,
  decodeElement,
  elementFlags,
  encodeElement,
  withFlags,
  type QueueEntry,
} from './queue-element.js';
import { queueCommands, type QueueCommands } from './queue-scripts.js';
import { readQueueStats, type QueueStats } from './queue-stats.js';

/** Where a request is, as the queue knows it. */
export type Whereabouts =
  /** It was still waiting and is now taken back: no worker will ever run it. */
  | { state: 'withdrawn' }
  /** It is still waiting (locate only). */
  | { state: 'queued' }
  /** A consumer took it and has not completed it; `lastSeenMs` is that consumer's last heartbeat. */
  | { state: 'running'; consumer: string; lastSeenMs: number }
  /** Neither queued nor held: it completed, or the queue lost it (Redis came back empty). */
  | { state: 'gone' };

/** A request a dead worker was running, as settleDeadWorker finds it. */
export interface HeldRequest {
  element: Buffer;
  job: RequestJob;
  /** It was re-queued once already (retryGetOnCrash): it never is again. */
  retried: boolean;
}

export interface PoolQueueOptions {
  /** queueLength: requests the pool queue holds before new ones are refused. IIS default 1000. */
  queueLength?: number;
  /** How long an enqueue may take before the request is refused as unreachable. Default 1 s. */
  admissionTimeoutMs?: number;
  /** A late-admitted request could not be taken back (reported, not thrown). */
  onError?: (error: unknown, what: string) => void;
}

/**
 * One application pool's request queue in Redis: http.sys's per-pool kernel queue. The listener admits and
 * enqueues, withdraws and locates; the pool host settles dead workers, re-queues and wakes on demand; WAS
 * reads the stats. The w3wp side is QueueConsumer. No other code touches the queue's keys.
 */
export class PoolQueue {
  readonly keys: PoolKeys;
  queueLength: number;
  admissionTimeoutMs: number;
  private readonly redis: Redis & QueueCommands;
  private readonly batch: EnqueueBatch;

  constructor(redis: Redis, pool: string, options: PoolQueueOptions = {}) {
    this.keys = poolKeys(pool);
    this.redis = queueCommands(redis);
    this.queueLength = options.queueLength ?? 1000;
    this.admissionTimeoutMs = options.admissionTimeoutMs ?? 1000;
    const onError = options.onError ?? (() => undefined);
    this.batch = new EnqueueBatch(
      (entries) => this.enqueueNow(entries),
      () => this.admissionTimeoutMs,
      (late) => {
        for (const entry of late) {
          this.withdraw(entry).catch((error: unknown) => onError(error, 'late admission not withdrawn'));
        }
      },
    );
  }

  get pool(): string {
    return this.keys.pool;
  }

  /** The queue entry of a request: its element and its application's lane. */
  entry(job: RequestJob): QueueEntry {
    return { id: job.id, lane: this.keys.lane(job.siteId, job.appPath), element: encodeElement(job) };
  }

  /**
   * admit+enqueue: true when the request is queued, false when the queue is full (QueueFull). Rejects with
   * QueueUnreachableError when Redis does not answer within the admission timeout. Batched per event-loop
   * turn: one script call for every request of this pool in the turn.
   */
  enqueue(entry: QueueEntry): Promise<boolean> {
    return this.batch.add(entry);
  }

  /** Take a request back if no worker has started it (client gone, queue deadline, pool stopped). */
  withdraw(entry: QueueEntry): Promise<Whereabouts> {
    return this.whereabouts(entry, 'withdraw');
  }

  /** Where a request is, without changing anything. */
  locate(entry: QueueEntry): Promise<Whereabouts> {
    return this.whereabouts(entry, 'locate');
  }

  /**
   * Forget the consumers of a worker that died: every consumer whose id starts with `id` (a worker process),
   * or exactly `id` (one application domain). What they had taken but not started goes back to the front of
   * its lane; what they were running is returned, for the caller to answer (502.3) or re-queue once.
   */
  async settleDeadWorker(id: string, match: 'prefix' | 'exact' = 'prefix'): Promise<HeldRequest[]> {
    const k = this.keys;
    return heldRequests(
      await this.redis.w3poolSettleBuffer(k.consumers, k.seen, k.prefix, id, match, k.demand),
    );
  }

  /**
   * Settle, as settleDeadWorker does, every consumer that has not sent a heartbeat for `leaseMs`: its worker
   * cannot be settled by its own pool host (the host died with it, or lost Redis with it), so any host of
   * the pool does it. Consumers send one every second.
   */
  async settleSilentConsumers(leaseMs: number, now = Date.now()): Promise<HeldRequest[]> {
    const k = this.keys;
    const cutoff = String(now - leaseMs);
    return heldRequests(
      await this.redis.w3poolSettleBuffer(k.consumers, k.seen, k.prefix, cutoff, 'silent', k.demand),
    );
  }

  /** Put a request back at the front of its lane, marked as retried, so it is re-queued at most once. */
  async requeue(held: HeldRequest): Promise<void> {
    const k = this.keys;
    const element = withFlags(held.element, elementFlags(held.element) | FLAG_RETRIED);
    const lane = k.lane(held.job.siteId, held.job.appPath);
    await this.redis.w3poolRequeue(lane, k.depth, k.lanes, k.consumers, element, k.demand);
  }

  /** CurrentQueueSize: requests waiting now. */
  async depth(): Promise<number> {
    return Math.max(0, Number((await this.redis.get(this.keys.depth)) ?? 0));
  }

  /** The pool queue's counters, in IIS's vocabulary (HTTP Service Request Queues). */
  stats(now = Date.now()): Promise<QueueStats> {
    return readQueueStats(this.redis, this.keys, now);
  }

  /**
   * Requests admitted in the whole seconds `from`..`to` (epoch seconds, inclusive; read-only). The per-second
   * counts live 10 s, so only the last 9 whole seconds can be asked for; older ones read as 0.
   */
  async arrivalsBetween(from: number, to: number): Promise<number> {
    const seconds = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
    if (seconds.length === 0) return 0;
    const counts = await this.redis.mget(...seconds.map((s) => this.keys.arrivals(s)));
    return counts.reduce((sum, n) => sum + Number(n ?? 0), 0);
  }

  /** The requests consumers hold now (read-only; WAS's `appcmd list requests`). */
  inFlight(): Promise<InFlightRequest[]> {
    return readInFlight(this.redis, this.keys);
  }

  private async enqueueNow(entries: QueueEntry[]): Promise<number[]> {
    const k = this.keys;
    const lanes: string[] = [];
    const args: (string | number | Buffer)[] = [];
    for (const entry of entries) {
      let index = lanes.indexOf(entry.lane);
      if (index === -1) index = lanes.push(entry.lane) - 1;
      args.push(index + 1, entry.element);
    }
    const keys = [k.depth, k.lanes, k.consumers, k.arrivals(Math.floor(Date.now() / 1000)), k.rejected];
    return this.redis.w3poolEnqueue(
      keys.length + lanes.length,
      ...keys,
      ...lanes,
      this.queueLength,
      k.prefix,
      k.demand,
      ...args,
    );
  }

  private async whereabouts(entry: QueueEntry, mode: 'withdraw' | 'locate'): Promise<Whereabouts> {
    const k = this.keys;
    const other = withFlags(entry.element, elementFlags(entry.element) ^ FLAG_RETRIED);
    const [state, consumer, seen] = await this.redis.w3poolWhereabouts(
      entry.lane,
      k.depth,
      k.consumers,
      k.seen,
      entry.element,
      other,
      entry.id,
      k.prefix,
      mode,
    );
    switch (state) {
      case 'withdrawn':
      case 'queued':
      case 'gone':
        return { state };
      case 'running':
        return { state, consumer: consumer ?? '', lastSeenMs: Number(seen ?? 0) };
      default:
        throw new Error(`unexpected whereabouts reply ${String(state)}`);
    }
  }
}

function heldRequests(elements: Buffer[]): HeldRequest[] {
  return elements.map((element) => ({
    element,
    job: decodeElement(element),
    retried: (elementFlags(element) & FLAG_RETRIED) !== 0,
  }));
}
