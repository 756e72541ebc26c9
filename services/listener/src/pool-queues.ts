import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { timeSpanToMs, type ApplicationPool, type W3poolConfig } from '@w3pool/config';
import { PoolQueue } from '@w3pool/pool-queue';

/** The application pool queues this listener feeds (http.sys's per-pool queues), one PoolQueue each. */
export class PoolQueues {
  private readonly queues = new Map<string, PoolQueue>();
  private admissionTimeoutMs = 1000;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  /** Adopt a configuration: queueLength per pool, the admission timeout, pools that are gone. */
  configure(config: W3poolConfig): void {
    this.admissionTimeoutMs = timeSpanToMs(config.webLimits.queueAdmissionTimeout);
    const pools = new Map(config.applicationPools.map((p) => [p.name, p]));
    for (const [name, queue] of this.queues) {
      const pool = pools.get(name);
      if (!pool) this.queues.delete(name);
      else this.tune(queue, pool);
    }
  }

  get(pool: ApplicationPool): PoolQueue {
    let queue = this.queues.get(pool.name);
    if (!queue) {
      queue = new PoolQueue(this.redis, pool.name, {
        onError: (error, what) => this.log.warn({ err: error, pool: pool.name }, what),
      });
      this.tune(queue, pool);
      this.queues.set(pool.name, queue);
    }
    return queue;
  }

  private tune(queue: PoolQueue, pool: ApplicationPool): void {
    queue.queueLength = pool.queueLength;
    queue.admissionTimeoutMs = this.admissionTimeoutMs;
  }
}
