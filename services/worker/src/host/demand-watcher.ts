import { QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import { QUEUE_KEY_PREFIX, poolQueueName } from '@w3pool/protocol';

/**
 * startMode OnDemand: tells the pool host when a request is waiting while no worker runs, so that it can
 * start one. It follows BullMQ's event stream for the pool queue (a `waiting` event per queued request), but
 * only while the pool has no worker: that stream carries several events per request, and reading it under
 * load would cost the host for nothing. The supervisor also checks the wait list every tick, for requests
 * the stream could not announce.
 */
export class DemandWatcher {
  private events: QueueEvents | undefined;
  private switching: Promise<void> = Promise.resolve();

  constructor(
    private readonly redisUrl: string,
    private readonly pool: string,
    private readonly onDemand: () => void,
    private readonly log: Logger,
  ) {}

  /** Listen while `idle` (no worker of the pool runs), and not otherwise. */
  watch(idle: boolean): Promise<void> {
    this.switching = this.switching.then(async () => {
      if (idle && !this.events) {
        const events = new QueueEvents(poolQueueName(this.pool), {
          connection: { url: this.redisUrl, maxRetriesPerRequest: null },
          prefix: QUEUE_KEY_PREFIX,
          // Only what is queued from now on; what waits already is found by the supervisor's check.
          lastEventId: '$',
        });
        events.on('waiting', () => this.onDemand());
        events.on('error', (error) => this.log.warn({ err: error }, 'queue event stream error'));
        this.events = events;
        await events.waitUntilReady();
      } else if (!idle && this.events) {
        const events = this.events;
        this.events = undefined;
        await events.close();
      }
    });
    return this.switching;
  }

  async close(): Promise<void> {
    await this.watch(false);
  }
}
