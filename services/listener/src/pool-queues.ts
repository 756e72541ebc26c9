import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_KEY_PREFIX, poolQueueName, type RequestJob } from '@w3pool/protocol';

/** The per-pool request queues (http.sys's application pool queues), opened on first use. */
export class PoolQueues {
  private readonly queues = new Map<string, Queue<RequestJob>>();

  constructor(private readonly connection: Redis) {}

  async enqueue(pool: string, job: RequestJob): Promise<string> {
    // Answers go back by pub/sub, so a finished job has nothing left to say: remove it at once.
    const added = await this.queue(pool).add('request', job, { removeOnComplete: true, removeOnFail: true });
    return added.id ?? '';
  }

  /**
   * Delete the data of a job already taken off the wait list (QueueAdmission.withdraw): BullMQ's remove
   * cleans every key the job has. Never call it for a job that might be active.
   */
  async discard(pool: string, jobId: string): Promise<void> {
    await this.queue(pool).remove(jobId);
  }

  /** Close the queues of pools that are gone from the configuration. */
  async retain(pools: ReadonlySet<string>): Promise<void> {
    for (const [name, queue] of this.queues) {
      if (!pools.has(name)) {
        this.queues.delete(name);
        await queue.close();
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }

  private queue(pool: string): Queue<RequestJob> {
    let queue = this.queues.get(pool);
    if (!queue) {
      queue = new Queue<RequestJob>(poolQueueName(pool), {
        connection: this.connection,
        prefix: QUEUE_KEY_PREFIX,
      });
      this.queues.set(pool, queue);
    }
    return queue;
  }
}
