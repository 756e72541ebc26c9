import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HeldRequest, PoolQueue } from '@w3pool/pool-queue';
import { encodeFailure, replyChannel } from '@w3pool/protocol';
import { consumerPrefix } from '../worker-id.js';

/** What becomes of a request a dead worker was running. */
export type Settlement = 'requeue' | 'fail';

/**
 * A GET or HEAD goes back to the front of the queue once, when the pool allows it (retryGetOnCrash); any
 * other request, or one already re-queued, is answered 502.3: it may be what killed the worker.
 */
export function settlementFor(held: HeldRequest, retryGetOnCrash: boolean): Settlement {
  const idempotent = held.job.method === 'GET' || held.job.method === 'HEAD';
  return retryGetOnCrash && idempotent && !held.retried ? 'requeue' : 'fail';
}

/**
 * Requests that were running on a worker process that died. The pool queue holds them under the worker's
 * queue consumers (`<workerId>.<n>`, one per application domain), so nothing crossed the IPC channel per
 * request: settleDeadWorker forgets those consumers, puts back what they had taken but not started, and
 * returns what they were running. Each of those gets an immediate 502.3 through its listener (http.sys's
 * Connection_Abandoned_By_AppPool), never a hang, or is re-queued once (see settlementFor).
 */
export class AbandonedRequests {
  constructor(
    private readonly queue: PoolQueue,
    /** Where the 502.3 answers are published (the host's control connection). */
    private readonly publisher: Redis,
    private readonly log: Logger,
  ) {}

  /** Settle everything the worker with this id held; resolves with how many requests it was running. */
  async settle(workerId: string, pid: number, retryGetOnCrash: boolean): Promise<number> {
    const held = await this.queue.settleDeadWorker(consumerPrefix(workerId));
    await Promise.all(held.map((request) => this.settleOne(request, pid, retryGetOnCrash)));
    return held.length;
  }

  /**
   * Settle every consumer of the pool, on any host, silent for longer than `leaseMs` (see
   * PoolQueue.settleSilentConsumers): a host that died whole, or lost Redis, cannot settle its own. Resolves
   * with how many requests they were running; their pid is not known here (0 in the 502.3).
   */
  async settleSilent(leaseMs: number, retryGetOnCrash: boolean): Promise<number> {
    const held = await this.queue.settleSilentConsumers(leaseMs);
    await Promise.all(held.map((request) => this.settleOne(request, 0, retryGetOnCrash)));
    return held.length;
  }

  private async settleOne(held: HeldRequest, pid: number, retryGetOnCrash: boolean): Promise<void> {
    const { job } = held;
    if (settlementFor(held, retryGetOnCrash) === 'requeue') {
      try {
        await this.queue.requeue(held);
        this.log.warn({ id: job.id, url: job.rawUrl, pid }, 'request re-queued after its worker died');
        return;
      } catch (error) {
        this.log.error({ err: error, id: job.id }, 'could not re-queue; answering 502.3');
      }
    }
    this.log.warn(
      { id: job.id, method: job.method, url: job.rawUrl, pid },
      'request abandoned by its worker (502.3)',
    );
    const fail = encodeFailure(job.id, 'WORKER_PROCESS_FAILED', { pool: this.queue.pool, pid, control: '' });
    await this.publisher
      .publish(replyChannel(job.replyTo), fail)
      .catch((error: unknown) => this.log.error({ err: error, id: job.id }, '502.3 not delivered'));
  }
}
