import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeToWorker, workerControlChannel, type ToWorker } from '@w3pool/protocol';

/**
 * An application domain's control channel: listeners send request-body chunks, acknowledgements of response
 * bytes written and cancellations here, addressed by request id, several to a message (everything one
 * listener had for this domain in one turn). Each request in execution registers for its id and
 * unregisters when it ends, so a late message for a finished request is simply dropped.
 */
export class ControlChannel {
  private readonly routes = new Map<string, { control(message: ToWorker): void }>();

  constructor(
    private readonly subscriber: Redis,
    /** The id listeners address: the domain's queue consumer id, unique per domain. */
    readonly id: string,
    private readonly log: Logger,
  ) {}

  get channel(): string {
    return workerControlChannel(this.id);
  }

  async start(): Promise<void> {
    this.subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.deliver(message));
    await this.subscriber.subscribe(this.channel);
  }

  /** Deliver the messages for request `id` to `to` (its execution) until unregister(id). */
  register(id: string, to: { control(message: ToWorker): void }): void {
    this.routes.set(id, to);
  }

  unregister(id: string): void {
    this.routes.delete(id);
  }

  /** One published batch, in the order the listener sent it. */
  deliver(raw: Buffer): void {
    let batch: ToWorker[];
    try {
      batch = decodeToWorker(raw);
    } catch (error) {
      this.log.warn({ err: error }, 'dropped a malformed control message');
      return;
    }
    for (const message of batch) this.routes.get(message.id)?.control(message);
  }
}
