import type { Redis } from 'ioredis';
import { poolKeys } from './pool-keys.js';

/**
 * startMode OnDemand: call `onDemand` when a request is queued for the pool while no consumer is registered
 * (the enqueue script publishes on the pool's demand channel only then, so this costs nothing under load).
 * `subscriber` is a connection in subscriber mode, shared or not; ioredis subscribes again after a
 * reconnect. Returns a function that stops watching.
 */
export async function watchDemand(
  subscriber: Redis,
  pool: string,
  onDemand: () => void,
): Promise<() => Promise<void>> {
  const channel = poolKeys(pool).demand;
  const listener = (from: string) => {
    if (from === channel) onDemand();
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return () => {
    subscriber.off('message', listener);
    // Sent, not awaited: stopping must not wait on Redis. A connection that looks ready may have lost its
    // Redis a moment ago (or Redis hangs), and ioredis would hold the UNSUBSCRIBE until it answers; a
    // subscriber connection is never failed for being away. The listener is already off, so a late
    // answer changes nothing; a connection that is away has no subscription to drop anyway.
    if (subscriber.status === 'ready') subscriber.unsubscribe(channel).catch(() => undefined);
    return Promise.resolve();
  };
}
