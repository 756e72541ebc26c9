import type { Redis } from 'ioredis';
import { POOL_STATE_KEY, SITE_STATE_KEY, STATE_CHANNEL } from '@w3pool/protocol';

const STATE_HASHES = [POOL_STATE_KEY, SITE_STATE_KEY] as const;
export type StateHash = (typeof STATE_HASHES)[number];

/**
 * WAS's own copy of the pool and site states in Redis (which pools an administrator or rapid-fail
 * protection stopped). Redis is where every listener and pool host reads them, but a Redis without
 * persistence comes back from a restart empty, and a stopped pool must not silently start again: WAS
 * writes its copy back.
 */
export class RuntimeStateMirror {
  private readonly hashes = new Map<StateHash, Map<string, string>>(
    STATE_HASHES.map((hash) => [hash, new Map()]),
  );

  /** At start: what Redis holds (set by an earlier WAS) is the state. */
  async load(redis: Redis): Promise<void> {
    for (const hash of STATE_HASHES) {
      this.hashes.set(hash, new Map(Object.entries(await redis.hgetall(hash))));
    }
  }

  /** After WAS wrote a state to Redis. */
  record(hash: StateHash, field: string, json: string): void {
    this.hashes.get(hash)!.set(field, json);
  }

  /** Replace both hashes in Redis with the copy, and tell listeners and pool hosts to read them again. */
  async restore(redis: Redis): Promise<{ pools: number; sites: number }> {
    const write = redis.multi();
    for (const [hash, fields] of this.hashes) {
      write.del(hash);
      if (fields.size > 0) write.hset(hash, Object.fromEntries(fields));
      write.publish(STATE_CHANNEL, hash);
    }
    await write.exec();
    return { pools: this.hashes.get(POOL_STATE_KEY)!.size, sites: this.hashes.get(SITE_STATE_KEY)!.size };
  }
}
