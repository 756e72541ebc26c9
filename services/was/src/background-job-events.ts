import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Queue, QueueEvents } from 'bullmq';
import type { W3poolConfig } from '@w3pool/config';
import { EVENTS_STREAM } from '@w3pool/protocol';
import { backgroundEventsCursorKey, backgroundQueueName } from '@w3pool/pool-queue';
import { closeRedis, createRedis } from '@w3pool/runtime';
import { poolApplications, type PoolApplication } from './background-jobs-view.js';
import { boundedWait } from './bounded-wait.js';

/** As the pool hosts' event log (services/worker/src/host/event-log.ts): about this many entries kept. */
const MAX_EVENTS = 10_000;
/** The longest a closing WAS waits for one queue's reader, last write or Queue to close. */
const CLOSE_WAIT_MS = 1000;
/** How often the followed queues are matched against the configuration in force (a memory read). */
const RECONCILE_MS = 2000;

interface Followed {
  events: QueueEvents;
  queue: Queue;
  /** Entries are written one after the other, so the cursor only ever moves forward. */
  writing: Promise<void>;
}

/**
 * Puts every background job that fails for good into the event log (`/api/events`, kind `JobFailed`),
 * beside the recycles and crashes. It follows BullMQ's own event stream of each application's queue with
 * a QueueEvents, here in WAS rather than in the worker process that ran the job: BullMQ writes the failure
 * to that stream in the same script that fails the job, so it is there even if that worker process dies a
 * moment later, and a job failed because it stalled (its worker died) is written by whichever worker's
 * stalled-job check failed it. A cursor per queue (the last event written) lets a restarted WAS carry on
 * where it stopped instead of missing what failed meanwhile.
 */
export class BackgroundJobEvents {
  private readonly followed = new Map<string, Followed>();
  private readonly redis: Redis;
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private closed = false;

  constructor(
    redisUrl: string,
    private readonly config: () => W3poolConfig | undefined,
    private readonly log: Logger,
  ) {
    // The 'worker' role: an entry written during an outage waits for the reconnect instead of being lost.
    // Each QueueEvents duplicates it for its own blocking read.
    this.redis = createRedis(redisUrl, 'worker', { connectionName: 'w3pool-was-job-events' });
    this.redis.on('error', () => undefined); // WAS's own connection logs the outage once
  }

  start(): void {
    const tick = () => {
      // One at a time: during an outage a reconcile waits for Redis, and ticks must not pile up behind it.
      this.reconciling ??= this.reconcile()
        .catch((error: unknown) => this.log.warn({ err: error }, 'background job queues not followed yet'))
        .finally(() => (this.reconciling = undefined));
    };
    tick();
    this.timer = setInterval(tick, RECONCILE_MS);
    this.timer.unref();
  }

  /** Never waits on an absent Redis: a reconcile or a write still waiting for it is abandoned. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.followed.keys()].map((key) => this.unfollow(key)));
    await closeRedis(this.redis);
  }

  /** Follow the queue of every application of the configuration in force, and only those. */
  private async reconcile(): Promise<void> {
    const config = this.config();
    if (!config || this.closed) return;
    const wanted = new Map<string, { pool: string; app: PoolApplication }>();
    for (const pool of config.applicationPools) {
      for (const app of poolApplications(config, pool.name)) {
        const name = backgroundQueueName(pool.name, app.siteId, app.path);
        wanted.set(`${name.prefix}:${name.name}`, { pool: pool.name, app });
      }
    }
    for (const key of [...this.followed.keys()]) if (!wanted.has(key)) await this.unfollow(key);
    for (const [key, { pool, app }] of wanted) if (!this.followed.has(key)) await this.follow(key, pool, app);
  }

  private async follow(key: string, pool: string, app: PoolApplication): Promise<void> {
    const name = backgroundQueueName(pool, app.siteId, app.path);
    const cursorKey = backgroundEventsCursorKey(pool);
    // No cursor yet (first start, or Redis came back empty): from now on, not the queue's whole history.
    const lastEventId = (await this.redis.hget(cursorKey, name.name)) ?? '$';
    if (this.closed) return;
    const events = new QueueEvents(name.name, {
      connection: this.redis,
      prefix: name.prefix,
      lastEventId,
    });
    const queue = new Queue(name.name, { connection: this.redis, prefix: name.prefix });
    queue.on('error', () => undefined);
    const followed: Followed = { events, queue, writing: Promise.resolve() };
    events.on('error', (error: Error) =>
      this.log.debug({ err: error, queue: key }, 'job events read failed'),
    );
    events.on('failed', ({ jobId, failedReason }: { jobId: string; failedReason: string }, id: string) => {
      followed.writing = followed.writing
        .then(() =>
          this.record(followed, { pool, app, cursorKey, queueName: name.name }, jobId, failedReason, id),
        )
        .catch((error: unknown) => this.log.warn({ err: error, jobId }, 'job failure not recorded'));
    });
    this.followed.set(key, followed);
  }

  private async record(
    followed: Followed,
    where: { pool: string; app: PoolApplication; cursorKey: string; queueName: string },
    jobId: string,
    failedReason: string,
    eventId: string,
  ): Promise<void> {
    // The job itself says what it was; it may be gone already (removeOnFail), and the entry stands without.
    const job = await followed.queue.getJob(jobId).catch(() => undefined);
    const entry = {
      at: Date.now(),
      pool: where.pool,
      kind: 'JobFailed',
      site: where.app.siteId,
      app: where.app.path,
      jobId,
      ...(job ? { job: job.name, attemptsMade: job.attemptsMade } : {}),
      detail: failedReason,
    };
    this.log.warn(entry, 'event: JobFailed');
    const flat = Object.entries(entry).flatMap(([k, v]) => [k, String(v)]);
    // Two keys in two slots (the event log is global), so not one transaction: a WAS that dies between the
    // two writes logs that one failure again when it restarts, which beats not logging it.
    await this.redis.xadd(EVENTS_STREAM, 'MAXLEN', '~', MAX_EVENTS, '*', ...flat);
    await this.redis.hset(where.cursorKey, where.queueName, eventId);
  }

  private async unfollow(key: string): Promise<void> {
    const followed = this.followed.get(key);
    if (!followed) return;
    this.followed.delete(key);
    // With Redis away, nothing of this can finish cleanly: let it go at once.
    const waitMs = this.redis.status === 'ready' ? CLOSE_WAIT_MS : 0;
    await boundedWait(followed.events.close(), waitMs);
    await boundedWait(followed.writing, waitMs);
    await boundedWait(followed.queue.close(), waitMs);
  }
}
