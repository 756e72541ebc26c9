import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EVENTS_STREAM } from '@w3pool/protocol';
import { closeRedis, createRedis } from '@w3pool/runtime';
import { toEvent, type StreamEvent } from './stream-id.js';

/** How long one XREAD waits before it is issued again (also how soon a closing hub notices). */
const BLOCK_MS = 5_000;

export type EventListener = (event: StreamEvent) => void;

/**
 * The one reader of the event stream (w3pool:events) for every live SSE client: a dedicated connection
 * blocked in XREAD, running only while someone listens, fanning each new entry out to them. One blocked
 * connection however many clients, rather than a Redis connection per browser tab.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private reader: Redis | undefined;
  private cursor = '$';
  private running: Promise<void> | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Entries added from now on reach `listener` until the returned function is called. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    this.running ??= this.loop().finally(() => (this.running = undefined));
    return () => {
      this.listeners.delete(listener);
      // The last client left: stop the blocked read now instead of at its next timeout.
      if (this.listeners.size === 0) this.reader?.disconnect();
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.reader?.disconnect();
    await this.running;
  }

  /** Readers one after the other while anyone listens: one may arrive as the last reader is closing. */
  private async loop(): Promise<void> {
    this.cursor = '$';
    while (this.listeners.size > 0) await this.run();
  }

  private async run(): Promise<void> {
    // The 'worker' role waits out an outage (reconnects) instead of failing the read.
    const reader = createRedis(this.redisUrl, 'worker', { connectionName: 'w3pool-was-event-hub' });
    reader.on('error', () => undefined); // WAS's own connection logs an outage once
    this.reader = reader;
    try {
      // From the newest entry at start: whatever a client missed before, it reads with XRANGE (backlog).
      if (this.cursor === '$') {
        const newest = await reader.xrevrange(EVENTS_STREAM, '+', '-', 'COUNT', 1);
        this.cursor = newest[0]?.[0] ?? '0-0';
      }
      while (this.listeners.size > 0) {
        const read = await reader.xread('BLOCK', BLOCK_MS, 'STREAMS', EVENTS_STREAM, this.cursor);
        for (const [, entries] of read ?? []) {
          for (const entry of entries) {
            const event = toEvent(entry);
            this.cursor = event.id;
            for (const listener of this.listeners) listener(event);
          }
        }
      }
    } catch (error) {
      // Closed because the last client left (perhaps as a new one came: loop() starts another reader).
      this.log.debug({ err: error }, 'event stream reader stopped');
    } finally {
      this.reader = undefined;
      await closeRedis(reader).catch(() => undefined);
    }
  }
}
