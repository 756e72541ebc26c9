import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Queue } from 'bullmq';
import type { BackgroundJobOptions, BackgroundJobs, BackgroundProcessor } from '@w3pool/extension-sdk';
import type { BackgroundQueueName } from '@w3pool/pool-queue';
import { W3poolError } from '@w3pool/protocol';
import { closeRedis, createRedis, redisReady } from '@w3pool/runtime';
import type { OutageLog } from '../../redis-outage.js';
import { planJob } from './background-job-options.js';
import {
  BackgroundWorker,
  within,
  type BackgroundTimings,
  type DeclaredProcessor,
} from './background-worker.js';

interface Producer {
  queue: Queue;
  redis: Redis;
  /** The connection was ready once: it is not connecting for the first time. */
  wasReady: () => boolean;
}

/** How long `add` waits for the producer's connection to become ready before it answers 503. */
const CONNECT_WAIT_MS = 2000;
/** The longest a retiring domain waits for its producer Queue to close. */
const CLOSE_WAIT_MS = 1000;

export interface DomainBackgroundJobsOptions {
  redisUrl: string;
  queue: BackgroundQueueName;
  /** `<site id><application path>`, for error details. */
  application: string;
  /** From the pool's shutdownTimeLimit and pingInterval. */
  timings: BackgroundTimings;
  log: Logger;
  outage: OutageLog;
}

/**
 * ExtensionContext.backgroundJobs for one application domain: HostingEnvironment.QueueBackgroundWorkItem,
 * but the work is a BullMQ job in Redis, so a crash or a recycle does not lose it. `add` queues on the
 * application's own queue; `process` declares processors while the extensions load, and the domain's
 * BackgroundWorker runs them once the domain is ready (on every worker process of the pool).
 */
export class DomainBackgroundJobs implements BackgroundJobs {
  private readonly processors = new Map<string, DeclaredProcessor>();
  private sealed = false;
  /** Made at the first add: an application that never queues a job holds no connection for it. */
  private producer: Producer | undefined;
  private closed = false;
  private worker: BackgroundWorker | undefined;
  private stopped = false;

  constructor(private readonly options: DomainBackgroundJobsOptions) {}

  async add(name: string, data: unknown, options?: BackgroundJobOptions): Promise<{ id: string }> {
    const plan = planJob(name, options);
    const { queue, redis, wasReady } = this.connect();
    // BullMQ would wait for a connection that is not ready, for as long as Redis is away: a lost one fails
    // at once, and a new one (the first add) gets a moment to connect.
    if (redis.status !== 'ready' && (wasReady() || !(await readyWithin(redis, CONNECT_WAIT_MS))))
      throw new W3poolError('WORKER_JOB_QUEUE_UNREACHABLE', `(connection ${redis.status})`);
    try {
      if (plan.kind === 'schedule') {
        await queue.upsertJobScheduler(plan.id, plan.repeat, { name, data, opts: plan.opts });
        return { id: plan.id };
      }
      const job = await queue.add(name, data, plan.opts);
      return { id: job.id ?? plan.opts.jobId ?? '' };
    } catch (error) {
      // The producer's connection fails fast while Redis is away (the 'control' role): the request that
      // queues the job learns it now and can answer 503, instead of hanging for the outage.
      // The connection's status can still read 'ready' when a command fails because Redis just went away:
      // the error itself tells too.
      if (redis.status !== 'ready' || isConnectionError(error))
        throw new W3poolError('WORKER_JOB_QUEUE_UNREACHABLE', `(connection ${redis.status})`, {
          cause: error,
        });
      throw new W3poolError('WORKER_JOB_INVALID', (error as Error).message, { cause: error });
    }
  }

  process(name: string, processor: BackgroundProcessor, options?: { concurrency?: number }): void {
    if (this.sealed) throw new W3poolError('WORKER_JOB_PROCESSOR_LATE', `"${name}"`);
    if (typeof name !== 'string' || name === '')
      throw new W3poolError('WORKER_JOB_INVALID', 'the job name must be a non-empty string');
    if (typeof processor !== 'function')
      throw new W3poolError('WORKER_JOB_INVALID', `the processor of "${name}" is not a function`);
    const concurrency = options?.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new W3poolError('WORKER_JOB_INVALID', `the concurrency of "${name}" must be an integer ≥ 1`);
    if (this.processors.has(name)) {
      // The same extension loaded for two handler mappings declares its processors twice: one suffices.
      this.options.log.warn(
        { job: name },
        'background job processor declared twice; the first declaration is kept',
      );
      return;
    }
    this.processors.set(name, { processor, concurrency });
  }

  /**
   * The extensions have loaded (so no more declarations) and the domain takes requests: run the declared
   * processors from now on.
   */
  startProcessing(): void {
    this.sealed = true;
    // A domain retired while it was still starting never takes a job.
    if (this.stopped) return;
    this.worker ??= new BackgroundWorker({ ...this.options, processors: this.processors });
    this.worker.start();
  }

  /**
   * The domain retires: take no more jobs, and resolve once the active ones finished or the drain limit
   * passed. Call it first, before anything else the retirement waits for.
   */
  stopProcessing(): Promise<void> {
    this.sealed = true;
    this.stopped = true;
    return this.worker?.retire() ?? Promise.resolve();
  }

  /** After the domain's last request and processor: nothing can queue a job from here any more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopProcessing();
    const producer = this.producer;
    this.producer = undefined;
    if (!producer) return;
    // The connection is ours (shared with the Queue), so the Queue leaves it open: close both.
    // Bounded: a Queue still waiting for a Redis that is away would hold up the domain's end.
    await within(producer.queue.close(), CLOSE_WAIT_MS);
    await closeRedis(producer.redis);
  }

  private connect(): Producer {
    if (this.producer) return this.producer;
    if (this.closed)
      throw new W3poolError('WORKER_JOB_QUEUE_UNREACHABLE', 'the application domain has retired');
    const { redisUrl, queue: name, outage } = this.options;
    const redis = outage.watch(
      createRedis(redisUrl, 'control', { connectionName: 'w3pool-jobs-producer' }),
      'jobs producer',
    );
    const queue = new Queue(name.name, { connection: redis, prefix: name.prefix });
    queue.on('error', (error: Error) => outage.report(error, 'background job queue failed'));
    let ready = false;
    redis.once('ready', () => (ready = true));
    this.producer = { queue, redis, wasReady: () => ready };
    return this.producer;
  }
}

async function readyWithin(redis: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const ready = redisReady(redis).then(
    () => true as const,
    () => false as const,
  );
  try {
    return await Promise.race([ready, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A failure of the connection (closed, reset, refused, retries exhausted), not of the job. */
function isConnectionError(error: unknown): boolean {
  const { code, name, message } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && /^(ECONN|EPIPE|ETIMEDOUT|ENOTCONN|EHOSTUNREACH|ENETUNREACH)/.test(code))
    return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  return (
    typeof message === 'string' && /connection is closed|stream isn't writeable|socket closed/i.test(message)
  );
}
