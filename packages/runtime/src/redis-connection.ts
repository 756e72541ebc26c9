import { Redis, type RedisOptions } from 'ioredis';

/**
 * What a connection is for decides how it behaves while Redis is away:
 * - `request`: the listener's request path. A command fails at once while disconnected, and a command
 *   already written when the connection dropped is failed, never sent again after the reconnect: the
 *   client was answered 503 meanwhile, and a late enqueue would run a request nobody waits for.
 * - `control`: admin reads and writes (WAS, pool hosts, state). Fail fast too, so an admin call answers 503
 *   instead of hanging for the length of an outage.
 * - `subscriber`: pub/sub. ioredis subscribes again by itself after a reconnect.
 * - `worker`: a w3wp's replies and completions. Kept while disconnected and sent after the reconnect, so a
 *   handler that finished during an outage still reaches its client.
 * - `blocking`: one blocking pop at a time; fails at once while disconnected (the caller retries).
 */
export type RedisRole = 'request' | 'control' | 'subscriber' | 'worker' | 'blocking';

/**
 * Reconnect quickly once Redis is back: ioredis's default backs off to 5 s, which would leave every service
 * up to 5 s behind a Redis that restarted. Jitter keeps many clients from reconnecting in lock-step.
 */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 50, 500) + Math.floor(Math.random() * 50);
}

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  request: { enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 },
  control: { enableOfflineQueue: false, maxRetriesPerRequest: 0 },
  subscriber: { maxRetriesPerRequest: null },
  worker: { maxRetriesPerRequest: null },
  blocking: { enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 },
};

/** A Redis connection for one role (see RedisRole), reconnecting by itself. */
export function createRedis(url: string, role: RedisRole, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    retryStrategy: reconnectDelayMs,
    connectionName: `w3pool-${role}`,
    ...ROLE_OPTIONS[role],
    ...options,
  });
}

/** Resolves once the connection is ready (connected, and Redis has loaded its data). */
export function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      redis.off('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      redis.off('ready', onReady);
      reject(new Error('the Redis connection ended before it was ready'));
    };
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}

/**
 * Close a connection without waiting on a Redis that is away: QUIT (so Redis sees a clean goodbye) only
 * while it is ready, and for at most `timeoutMs`; otherwise drop the socket. A queued QUIT on a connection
 * that is reconnecting would otherwise wait for Redis to return, and hold up the service's stop.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([
    redis.quit().then(
      () => undefined,
      () => undefined,
    ),
    timedOut,
  ]);
  clearTimeout(timer);
  // Still open if QUIT went unanswered: drop it.
  redis.disconnect();
}
