import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeReply, replyChannel, type ReplyMessage } from '@w3pool/protocol';

/**
 * This listener instance's reply channel. Workers publish each answer to the channel of the listener that
 * queued the request, so no listener sees another's replies; here each reply finds its waiting client.
 */
export class ReplyRouter {
  private readonly waiting = new Map<string, (reply: ReplyMessage) => void>();

  constructor(
    private readonly subscriber: Redis,
    private readonly listenerId: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.deliver(message));
    await this.subscriber.subscribe(replyChannel(this.listenerId));
  }

  expect(id: string, onReply: (reply: ReplyMessage) => void): void {
    this.waiting.set(id, onReply);
  }

  forget(id: string): void {
    this.waiting.delete(id);
  }

  get pending(): number {
    return this.waiting.size;
  }

  private deliver(message: Buffer): void {
    let reply: ReplyMessage;
    try {
      reply = decodeReply(message);
    } catch (error) {
      this.log.warn({ err: error }, 'dropped a malformed reply message');
      return;
    }
    const onReply = this.waiting.get(reply.id);
    if (!onReply) return; // the client went away or the queue deadline already answered it
    this.waiting.delete(reply.id);
    onReply(reply);
  }
}
