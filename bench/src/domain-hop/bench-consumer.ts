import type { Redis } from 'ioredis';
import { QueueConsumer, type TakenRequest } from '@w3pool/pool-queue';
import { encodeToListener, type ToListener } from '@w3pool/protocol';
import { createRedis, redisReady } from '@w3pool/runtime';
import type { HopSettings } from './hop-messages.js';

export interface BenchConsumer {
  consumer: QueueConsumer<ToListener>;
  /** Register and take. */
  start(): Promise<void>;
  /** Stop taking, send the last replies and completions, unregister, close both connections. */
  close(): Promise<void>;
}

/**
 * The queue consumer as a real application domain builds it (domain-app.ts): its own 'worker' and
 * 'blocking' connections, the listener batch encoding, one lane. Both variants build it here, so the only
 * difference between them is which thread owns it.
 */
export function benchConsumer(
  settings: HopSettings,
  onRequests: (requests: TakenRequest[]) => void,
): BenchConsumer {
  const redis = createRedis(settings.redisUrl, 'worker');
  const blocking = createRedis(settings.redisUrl, 'blocking');
  const consumer = new QueueConsumer<ToListener>({
    redis,
    blocking,
    pool: settings.pool,
    siteId: settings.siteId,
    appPath: settings.appPath,
    consumerId: settings.consumerId,
    capacity: settings.capacity,
    encodeBatch: encodeToListener,
    onRequests,
    onError: (error, what) => process.stderr.write(`bench worker: ${what}: ${String(error)}\n`),
  });
  return {
    consumer,
    start: async () => {
      // The blocking connection fails fast while it connects: wait for both, so the first wait is not a retry.
      await Promise.all([redisReady(redis), redisReady(blocking)]);
      await consumer.start();
    },
    close: async () => {
      await consumer.close();
      await closeAll([redis, blocking]);
    },
  };
}

async function closeAll(connections: Redis[]): Promise<void> {
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
}
