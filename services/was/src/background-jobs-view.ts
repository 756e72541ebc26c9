import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { W3poolConfig } from '@w3pool/config';
import { backgroundQueueName } from '@w3pool/pool-queue';
import { boundedWait } from './bounded-wait.js';

/** An application of a pool, as its background job queue is named. */
export interface PoolApplication {
  siteId: number;
  site: string;
  path: string;
}

/** A job that failed for good (its attempts spent, or it stalled too often). */
export interface FailedJob {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  /** When it was added (ms since the epoch). */
  timestamp: number;
  /** When it failed for good. */
  finishedOn: number | null;
}

export interface ApplicationJobs extends PoolApplication {
  /** BullMQ's queue name (its keys are `w3pool:{<pool>}:jobs:<queue>:…`). */
  queue: string;
  counts: Record<(typeof COUNTED)[number], number>;
  /** The newest failures first. */
  failed: FailedJob[];
}

/** The longest a closing WAS waits for one Queue to close. */
const CLOSE_WAIT_MS = 1000;
const COUNTED = ['waiting', 'active', 'completed', 'failed', 'delayed'] as const;

/** The applications of `pool`, each of which has its own background job queue. */
export function poolApplications(config: W3poolConfig, pool: string): PoolApplication[] {
  return config.sites.flatMap((site) =>
    site.applications
      .filter((app) => app.applicationPool === pool)
      .map((app) => ({ siteId: site.id, site: site.name, path: app.path })),
  );
}

/**
 * The admin API's view of a pool's background jobs, read with BullMQ's Queue API on WAS's own connection
 * (the 'control' role: while Redis is away a read fails at once and the route answers 503).
 */
export class BackgroundJobsView {
  /** One Queue per application queue read so far; they share WAS's connection, so they cost nothing idle. */
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly redis: Redis) {}

  /** Counts per application, and its newest `failedCount` failures. */
  async pool(config: W3poolConfig, pool: string, failedCount: number): Promise<ApplicationJobs[]> {
    return Promise.all(
      poolApplications(config, pool).map(async (app) => {
        const queue = this.queue(pool, app);
        const [counts, failed] = await Promise.all([
          queue.getJobCounts(...COUNTED),
          failedCount > 0 ? queue.getFailed(0, failedCount - 1) : Promise.resolve([]),
        ]);
        return {
          ...app,
          queue: queue.name,
          counts: Object.fromEntries(
            COUNTED.map((state) => [state, counts[state] ?? 0]),
          ) as ApplicationJobs['counts'],
          failed: failed
            .filter((job) => job !== undefined)
            .map((job) => ({
              id: job.id ?? '',
              name: job.name,
              failedReason: job.failedReason,
              attemptsMade: job.attemptsMade,
              timestamp: job.timestamp,
              finishedOn: job.finishedOn ?? null,
            })),
        };
      }),
    );
  }

  async close(): Promise<void> {
    // The connection is WAS's: closing a Queue that shares it leaves it open.
    // With Redis away a Queue cannot close cleanly: let it go at once.
    const waitMs = this.redis.status === 'ready' ? CLOSE_WAIT_MS : 0;
    await Promise.all([...this.queues.values()].map((q) => boundedWait(q.close(), waitMs)));
    this.queues.clear();
  }

  private queue(pool: string, app: PoolApplication): Queue {
    const name = backgroundQueueName(pool, app.siteId, app.path);
    const key = `${name.prefix}:${name.name}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new Queue(name.name, { connection: this.redis, prefix: name.prefix });
      // Errors reach the caller of each read; the connection's own listener logs outages.
      queue.on('error', () => undefined);
      this.queues.set(key, queue);
    }
    return queue;
  }
}
