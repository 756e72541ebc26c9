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
  return async () => {
    subscriber.off('message', listener);
    // Unsubscribing from a connection that is away would queue until Redis returns: it has no
    // subscription then anyway.
    if (subscriber.status === 'ready') await subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
