import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  decodeToListener,
  encodeToWorker,
  replyChannel,
  workerControlChannel,
  type ToListener,
} from '@w3pool/protocol';
import type { Subscriptions } from './subscriptions.js';

/**
 * This listener instance's reply channel. Workers publish each response, in one message or a stream of them,
 * to the channel of the listener that queued the request, so no listener sees another's replies; here each
 * message finds the request it belongs to.
 */
export class ReplyRouter {
  private readonly waiting = new Map<string, { reply(message: ToListener): void }>();

  constructor(
    private readonly publisher: Redis,
    private readonly listenerId: string,
    private readonly log: Logger,
  ) {}

  async start(subscriptions: Subscriptions): Promise<void> {
    await subscriptions.subscribe(replyChannel(this.listenerId), (message) => this.deliver(message));
  }

  /** Deliver this request's messages to `to` (its PendingRequest) until forget(id). */
  expect(id: string, to: { reply(message: ToListener): void }): void {
    this.waiting.set(id, to);
  }

  forget(id: string): void {
    this.waiting.delete(id);
  }

  get pending(): number {
    return this.waiting.size;
  }

  /** One message on the reply channel: a worker's batch for this listener, from one of its turns. */
  private deliver(raw: Buffer): void {
    let batch: ToListener[];
    try {
      batch = decodeToListener(raw);
    } catch (error) {
      this.log.warn({ err: error }, 'dropped a malformed reply message');
      return;
    }
    for (const message of batch) this.route(message);
  }

  private route(message: ToListener): void {
    const to = this.waiting.get(message.id);
    if (to) {
      to.reply(message);
      return;
    }
    // The client went away, or the queue deadline already answered it. A worker still streaming or
    // reading the body is told to stop; a complete reply needs no answer.
    if ((message.t === 'head' && message.final) || message.t === 'abort' || message.t === 'fail') return;
    if (!message.worker.control) return;
    this.publisher
      .publish(
        workerControlChannel(message.worker.control),
        encodeToWorker([{ t: 'cancel', id: message.id, reason: 'client gone' }]),
      )
      .catch((error: unknown) => this.log.warn({ err: error }, 'cancel not sent'));
  }
}
