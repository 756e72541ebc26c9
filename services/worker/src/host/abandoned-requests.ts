import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  QUEUE_KEY_PREFIX,
  encodeMessage,
  poolQueueName,
  queueDepthKey,
  replyChannel,
  type ErrorCode,
  type RequestJob,
} from '@w3pool/protocol';

/**
 * Requests that were running on a worker process that died. They are found in the pool queue itself: the
 * active jobs whose BullMQ lock token carries the dead worker's id (nothing crosses the IPC channel per
 * request). Each gets an immediate 502.3 through its listener (http.sys's Connection_Abandoned_By_AppPool),
 * never a hang; a GET or HEAD goes back to the front of the queue once instead, when the pool allows it
 * (retryGetOnCrash).
 */
export class AbandonedRequests {
  private readonly queue: Queue;
  private readonly retried = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly pool: string,
    private readonly log: Logger,
  ) {
    this.queue = new Queue(poolQueueName(pool), { connection: redis, prefix: QUEUE_KEY_PREFIX });
  }

  /** Settle every job the worker with this BullMQ worker id held. */
  async settle(queueWorkerId: string | undefined, pid: number, retryGetOnCrash: boolean): Promise<number> {
    if (!queueWorkerId) return 0;
    const base = `${QUEUE_KEY_PREFIX}:${poolQueueName(this.pool)}`;
    const active = await this.redis.lrange(`${base}:active`, 0, -1);
    const held: RequestJob[] = [];
    await Promise.all(
      active.map(async (jobId) => {
        const [lock, data] = await Promise.all([
          this.redis.get(`${base}:${jobId}:lock`),
          this.redis.hget(`${base}:${jobId}`, 'data'),
        ]);
        if (!lock?.startsWith(`${queueWorkerId}:`) || !data) return;
        held.push(JSON.parse(data) as RequestJob);
        // Its worker is gone: nobody will finish it, and BullMQ must not run it again (maxStalledCount 0).
        await this.redis.del(`${base}:${jobId}:lock`);
      }),
    );
    await Promise.all(held.map((job) => this.settleOne(job, pid, retryGetOnCrash)));
    return held.length;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async settleOne(request: RequestJob, pid: number, retryGetOnCrash: boolean): Promise<void> {
    const idempotent = request.method === 'GET' || request.method === 'HEAD';
    if (retryGetOnCrash && idempotent && !this.retried.has(request.id)) {
      this.retried.add(request.id);
      if (this.retried.size > 10_000) this.retried.delete(this.retried.values().next().value as string);
      try {
        await this.redis.incr(queueDepthKey(this.pool));
        await this.queue.add('request', request, {
          lifo: true,
          removeOnComplete: true,
          removeOnFail: true,
        });
        this.log.warn(
          { id: request.id, url: request.rawUrl, pid },
          'request re-queued after its worker died',
        );
        return;
      } catch (error) {
        this.log.error({ err: error, id: request.id }, 'could not re-queue; answering 502.3');
      }
    }
    const code: ErrorCode = 'WORKER_PROCESS_FAILED';
    this.log.warn(
      { id: request.id, method: request.method, url: request.rawUrl, pid },
      'request abandoned by its worker (502.3)',
    );
    await this.redis
      .publish(
        replyChannel(request.replyTo),
        encodeMessage({ t: 'fail', id: request.id, code, worker: { pool: this.pool, pid, control: '' } }),
      )
      .catch((error: unknown) => this.log.error({ err: error, id: request.id }, '502 not delivered'));
  }
}
