import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Worker, type Job } from 'bullmq';
import { timeSpanToMs, type W3poolConfig } from '@w3pool/config';
import type { BackgroundProcessor } from '@w3pool/extension-sdk';
import type { BackgroundQueueName } from '@w3pool/pool-queue';
import { W3poolError } from '@w3pool/protocol';
import { closeRedis, createRedis } from '@w3pool/runtime';
import type { OutageLog } from '../../redis-outage.js';

/**
 * A job whose worker process died keeps its lock until the lock expires; BullMQ's stalled-job check, which
 * every Worker of the queue runs, then puts it back to wait. One such return is allowed: a job that stalls
 * a second time (one that crashes every worker that runs it) fails instead of taking down the pool's
 * workers one after the other.
 */
const MAX_STALLED_COUNT = 1;
/** Time left, after the drain, for the domain to close its connections before the pool host's kill. */
const CLOSE_MARGIN_MS = 1000;
/** The longest a retiring domain waits for BullMQ to drop its connections. */
const DISCONNECT_WAIT_MS = 500;
/** How often a retiring domain looks whether it still has a reason to wait during a Redis outage. */
const IDLE_CHECK_MS = 100;
/** A lock renewed more often than twice a second would be mostly Redis traffic. */
const MIN_LOCK_MS = 1000;

/** A processor an application declared with `process()`, and the concurrency it asked for. */
export interface DeclaredProcessor {
  readonly processor: BackgroundProcessor;
  readonly concurrency: number;
}

export interface BackgroundTimings {
  /**
   * How long a retiring domain lets its active jobs run: the pool's shutdownTimeLimit (IIS default 90 s),
   * less a margin, since the pool host kills the worker process at that limit whatever it is doing.
   */
  drainLimitMs: number;
  /**
   * BullMQ's lockDuration and stalledInterval: the pool's pingInterval (IIS default 30 s, BullMQ's own
   * default too). The lock is the job's heartbeat, renewed every half of it, as the host's ping is the
   * worker's: a job whose worker died is run again one to two of these later.
   */
  lockMs: number;
}

export function backgroundTimings(config: W3poolConfig, pool: string): BackgroundTimings {
  const settings = config.applicationPools.find((p) => p.name === pool)?.processModel;
  const shutdownMs = settings ? timeSpanToMs(settings.shutdownTimeLimit) : 90_000;
  const pingMs = settings ? timeSpanToMs(settings.pingInterval) : 30_000;
  return { drainLimitMs: Math.max(0, shutdownMs - CLOSE_MARGIN_MS), lockMs: Math.max(MIN_LOCK_MS, pingMs) };
}

export interface BackgroundWorkerOptions {
  redisUrl: string;
  queue: BackgroundQueueName;
  /** `<site id><application path>`, for error details. */
  application: string;
  processors: ReadonlyMap<string, DeclaredProcessor>;
  timings: BackgroundTimings;
  log: Logger;
  outage: OutageLog;
}

/**
 * The BullMQ Worker of one application domain: it runs the processors the application declared, one
 * Worker per domain with the largest concurrency any of them declared, routing each job by its name. A
 * domain that retires (recycle, application restart, shutdown) stops taking jobs first, lets the active ones
 * finish within the drain limit, and leaves whatever still runs then to BullMQ's stalled-job check: the job
 * is run again elsewhere, never lost.
 */
export class BackgroundWorker {
  private worker: Worker | undefined;
  private redis: Redis | undefined;
  private retiring: Promise<void> | undefined;
  /** Processors running now. */
  private running = 0;

  constructor(private readonly options: BackgroundWorkerOptions) {}

  /** Start taking jobs; nothing to do for an application that declared no processor. */
  start(): void {
    const { processors, queue, log, outage } = this.options;
    if (this.worker || this.retiring || processors.size === 0) return;
    const concurrency = Math.max(...[...processors.values()].map((p) => p.concurrency));
    // The 'worker' role waits out an outage (maxRetriesPerRequest: null, as BullMQ requires); BullMQ makes
    // its blocking connection as a duplicate of it, with the same reconnect behaviour.
    const redis = outage.watch(
      createRedis(this.options.redisUrl, 'worker', { connectionName: 'w3pool-jobs-worker' }),
      'jobs worker',
    );
    const worker = new Worker(queue.name, (job: Job) => this.run(job), {
      connection: redis,
      prefix: queue.prefix,
      concurrency,
      autorun: false,
      maxStalledCount: MAX_STALLED_COUNT,
      lockDuration: this.options.timings.lockMs,
      stalledInterval: this.options.timings.lockMs,
    });
    worker.on('error', (error: Error) => outage.report(error, 'background job worker failed'));
    worker.on('failed', (job: Job | undefined, error: Error) =>
      log.warn(
        { job: job?.name, id: job?.id, attemptsMade: job?.attemptsMade, err: error },
        'background job attempt failed',
      ),
    );
    this.worker = worker;
    this.redis = redis;
    worker.run().catch((error: unknown) => log.error({ err: error }, 'background job worker stopped'));
    // The domain's log lines carry its application already (`app`).
    log.info({ queue: queue.name, jobs: [...processors.keys()], concurrency }, 'background jobs processed');
  }

  /**
   * Stop taking jobs at once; resolve when the active ones have finished, or at the drain limit with them
   * still running (their locks expire once this process is gone, and the stalled-job check returns them).
   */
  retire(): Promise<void> {
    this.retiring ??= this.stop();
    return this.retiring;
  }

  private async stop(): Promise<void> {
    const { worker, redis } = this;
    if (!worker || !redis) return;
    // close() stops the fetch loop (and ends its blocking wait) before it waits for the active jobs.
    // Once the jobs are done it also waits for Redis (its last writes, QUIT); with nothing running and Redis
    // away there is nothing to wait for: stopping never waits on an absent Redis.
    const { drainLimitMs } = this.options.timings;
    const closing = worker.close();
    const idle = this.idleWhileRedisAway(redis);
    const inTime = await within(Promise.race([closing, idle.promise]), drainLimitMs);
    idle.cancel();
    if (!inTime) {
      this.options.log.warn(
        { drainLimitMs, running: this.running },
        'background jobs still running at the drain limit; BullMQ will run them again on another worker',
      );
    }
    // BullMQ's own connections (its blocking duplicate) are dropped, not closed: a QUIT, or even the wait for
    // a socket's end, would hang on a Redis that is away.
    if (!inTime || redis.status !== 'ready') await within(worker.disconnect(), DISCONNECT_WAIT_MS);
    await closeRedis(redis);
  }

  /** Resolves once no processor runs while Redis cannot be reached (checked every 100 ms). */
  private idleWhileRedisAway(redis: Redis): { promise: Promise<void>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<void>((resolve) => {
      timer = setInterval(() => {
        if (this.running === 0 && redis.status !== 'ready') resolve();
      }, IDLE_CHECK_MS);
    });
    return { promise, cancel: () => clearInterval(timer) };
  }

  private async run(job: Job): Promise<unknown> {
    const declared = this.options.processors.get(job.name);
    if (!declared) {
      const known = [...this.options.processors.keys()].join(', ');
      throw new W3poolError(
        'WORKER_JOB_NO_PROCESSOR',
        `"${job.name}" in application ${this.options.application} (it declares: ${known})`,
      );
    }
    this.running += 1;
    try {
      return await declared.processor({
        id: job.id ?? '',
        name: job.name,
        data: job.data as unknown,
        attemptsMade: job.attemptsMade,
      });
    } finally {
      this.running -= 1;
    }
  }
}

/** True if `work` settled within `ms`, false if the time ran out first. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = work.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
