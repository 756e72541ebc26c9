import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PoolQueue } from '@w3pool/pool-queue';
import { encodeFailure, replyChannel } from '@w3pool/protocol';

/**
 * The requests an application domain held when its thread ended. The pool queue knows them: they are the
 * in-flight records of the domain's consumer, settled exactly (the process and its other domains live on).
 * What the domain had taken but not started goes back to the front of its lane; what it was running gets a
 * 500 (WORKER_HANDLER_FAILED) through its listener, never a hang. A domain that retired cleanly left
 * nothing behind, and settling it finds nothing.
 */
export class FailedDomainRequests {
  constructor(
    private readonly queue: PoolQueue,
    /** Where the 500s are published ('worker' role: kept through a Redis outage). */
    private readonly publisher: Redis,
    private readonly log: Logger,
  ) {}

  /** Resolves with how many requests the domain was running; rejects if Redis could not be asked. */
  async settle(consumerId: string): Promise<number> {
    const held = await this.queue.settleDeadWorker(consumerId, 'exact');
    const answers = held.map(({ job }) => {
      this.log.warn(
        { id: job.id, method: job.method, url: job.rawUrl, consumer: consumerId },
        'request abandoned by its application domain (500)',
      );
      const fail = encodeFailure(job.id, 'WORKER_HANDLER_FAILED', {
        pool: this.queue.pool,
        pid: process.pid,
        control: consumerId,
      });
      return this.publisher
        .publish(replyChannel(job.replyTo), fail)
        .catch((error: unknown) => this.log.error({ err: error, id: job.id }, '500 not delivered'));
    });
    await Promise.all(answers);
    return held.length;
  }
}
