import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeToWorker, workerControlChannel, type ToWorker } from '@w3pool/protocol';

/**
 * This worker process's control channel: listeners send request-body chunks, acknowledgements of response
 * bytes written and cancellations here, addressed by request id. Each request in execution registers for
 * its id and unregisters when it ends, so a late message for a finished request is simply dropped.
 */
export class ControlChannel {
  private readonly routes = new Map<string, (message: ToWorker) => void>();

  constructor(
    private readonly subscriber: Redis,
    readonly workerId: string,
    private readonly log: Logger,
  ) {}

  get channel(): string {
    return workerControlChannel(this.workerId);
  }

  async start(): Promise<void> {
    this.subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.deliver(message));
    await this.subscriber.subscribe(this.channel);
  }

  register(id: string, onMessage: (message: ToWorker) => void): void {
    this.routes.set(id, onMessage);
  }

  unregister(id: string): void {
    this.routes.delete(id);
  }

  private deliver(raw: Buffer): void {
    let message: ToWorker;
    try {
      message = decodeToWorker(raw);
    } catch (error) {
      this.log.warn({ err: error }, 'dropped a malformed control message');
      return;
    }
    this.routes.get(message.id)?.(message);
  }
}
