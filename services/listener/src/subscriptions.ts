import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The listener's one subscriber connection, shared by its reply channel, the state channel and the cache
 * invalidation channel; messages are dispatched by channel name.
 */
export class Subscriptions {
  private readonly handlers = new Map<string, (message: Buffer) => void>();

  constructor(
    private readonly subscriber: Redis,
    private readonly log: Logger,
  ) {
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const handler = this.handlers.get(channel.toString());
      try {
        handler?.(message);
      } catch (error) {
        this.log.error({ err: error, channel: channel.toString() }, 'a subscription handler failed');
      }
    });
  }

  async subscribe(channel: string, handler: (message: Buffer) => void): Promise<void> {
    this.handlers.set(channel, handler);
    await this.subscriber.subscribe(channel);
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
