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
} from '@w3pool/protocol';
import type { RequestStarted } from '../ipc-messages.js';

/**
 * Requests that were running on a worker process that died. Each gets an immediate 502.3 through its
 * listener (http.sys's Connection_Abandoned_By_AppPool), never a hang; a GET or HEAD goes back to the front
 * of the queue once instead, when the pool allows it (retryGetOnCrash).
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

  async settle(requests: Iterable<RequestStarted>, pid: number): Promise<void> {
    await Promise.all([...requests].map((request) => this.settleOne(request, pid)));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async settleOne(request: RequestStarted, pid: number): Promise<void> {
    if (request.job && !this.retried.has(request.id)) {
      this.retried.add(request.id);
      if (this.retried.size > 10_000) this.retried.delete(this.retried.values().next().value as string);
      try {
        await this.redis.incr(queueDepthKey(this.pool));
        await this.queue.add('request', request.job, {
          lifo: true,
          removeOnComplete: true,
          removeOnFail: true,
        });
        this.log.warn({ id: request.id, url: request.url, pid }, 'request re-queued after its worker died');
        return;
      } catch (error) {
        this.log.error({ err: error, id: request.id }, 'could not re-queue; answering 502.3');
      }
    }
    const code: ErrorCode = 'WORKER_PROCESS_FAILED';
    this.log.warn(
      { id: request.id, method: request.method, url: request.url, pid },
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
