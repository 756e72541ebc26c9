import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { encodeToWorker, workerControlChannel, type ToWorker } from '@w3pool/protocol';

/**
 * Messages to workers (request-body chunks, acknowledgements of response bytes, cancellations), sent as one
 * PUBLISH per worker per event-loop turn: a streamed upload or download produces many, and a worker decodes
 * one batch as cheaply as one message.
 */
export class ControlOutbox {
  private pending = new Map<string, ToWorker[]>();
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  send(control: string, message: ToWorker): void {
    const batch = this.pending.get(control);
    if (batch) batch.push(message);
    else this.pending.set(control, [message]);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    for (const [control, batch] of pending)
      pipeline.publish(workerControlChannel(control), encodeToWorker(batch));
    pipeline.exec().then(
      (results) => {
        for (const [error] of results ?? []) {
          if (error) this.log.warn({ err: error }, 'control message not sent');
        }
      },
      (error: unknown) => this.log.warn({ err: error }, 'control messages not sent'),
    );
  }
}
