import type { Redis } from 'ioredis';
import { replyChannel } from '@w3pool/protocol';

const RECHECK_MS = 1000;

/**
 * Whether the listener that queued a request is still alive: whether anyone is subscribed to its reply
 * channel (PUBSUB NUMSUB, O(1)). That is the definitive test, since a listener's subscription ends with its
 * process, and it cannot expire by mistake the way a TTL key can under load. Checked at most once a second
 * per listener, so a request costs no extra round trip; a request queued by a listener that died (its
 * clients died with it) is not executed.
 */
export class ListenerPresence {
  private readonly known = new Map<string, { alive: boolean; checkedAt: number; check?: Promise<boolean> }>();

  constructor(private readonly redis: Redis) {}

  async isAlive(listenerId: string): Promise<boolean> {
    const now = Date.now();
    const entry = this.known.get(listenerId);
    if (entry?.check) return entry.check;
    if (entry && now - entry.checkedAt < RECHECK_MS) return entry.alive;
    const check = (this.redis.pubsub('NUMSUB', replyChannel(listenerId)) as Promise<[string, number]>).then(
      ([, subscribers]) => {
        const alive = Number(subscribers) > 0;
        this.known.set(listenerId, { alive, checkedAt: Date.now() });
        return alive;
      },
      // Redis trouble is not evidence of a dead listener; run the request.
      () => {
        this.known.delete(listenerId);
        return true;
      },
    );
    this.known.set(listenerId, { alive: entry?.alive ?? true, checkedAt: entry?.checkedAt ?? 0, check });
    if (this.known.size > 1000) this.known.delete(this.known.keys().next().value as string);
    return check;
  }
}
