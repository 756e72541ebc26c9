import { QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import { QUEUE_KEY_PREFIX, poolQueueName } from '@w3pool/protocol';

/**
 * startMode OnDemand: tells the pool host when a request is waiting, so that it can start a worker. It
 * follows BullMQ's event stream for the pool queue (a `waiting` event per queued request), and the supervisor
 * checks the wait list itself at start and every tick, for requests this stream could not announce.
 */
export class DemandWatcher {
  private readonly events: QueueEvents;

  constructor(redisUrl: string, pool: string, onDemand: () => void, log: Logger) {
    this.events = new QueueEvents(poolQueueName(pool), {
      connection: { url: redisUrl, maxRetriesPerRequest: null },
      prefix: QUEUE_KEY_PREFIX,
      // Only what is queued from now on; what waits already is found by waiting().
      lastEventId: '$',
    });
    this.events.on('waiting', () => onDemand());
    this.events.on('error', (error) => log.warn({ err: error }, 'queue event stream error'));
  }

  async start(): Promise<void> {
    await this.events.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.events.close();
  }
}
