import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisEndpoint, type RedisEndpoint } from './redis-endpoint.js';

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

/**
 * A Redis connection for one role (see RedisRole), reconnecting by itself, to whatever REDIS_URL names
 * (redis-endpoint.ts): one Redis, or the primary of a Sentinel group, followed through failovers.
 */
export function createRedis(url: string, role: RedisRole, options: RedisOptions = {}): Redis {
  const endpoint = parseRedisEndpoint(url);
  const roleOptions: RedisOptions = {
    retryStrategy: reconnectDelayMs,
    connectionName: `w3pool-${role}`,
    ...ROLE_OPTIONS[role],
  };
  if (endpoint.kind === 'single') return new Redis(url, { ...roleOptions, ...options });
  return new Redis({ ...sentinelOptions(endpoint, role), ...roleOptions, ...options });
}

/**
 * ioredis asks the sentinels for the primary, and checks with ROLE that it is one; every reconnect asks
 * again, so a connection that lost its primary finds the promoted replica by itself. A demoted primary that
 * is still reachable answers writes with READONLY: that connection is dropped and made again to whoever the
 * sentinels name now. The command that met READONLY is resent only for roles that keep commands across
 * reconnects (a w3wp's completions).
 *
 * ioredis's failoverDetector (which drops every connection on the sentinels' +switch-master) is left off: in
 * ioredis 6, a +switch-master that arrives while a connection is already reconnecting (its primary died)
 * aborts that reconnect with "Connection is closed." and ends the connection for good. Chaos fault 5 caught
 * a w3wp domain that never reconnected that way.
 */
function sentinelOptions(
  endpoint: Extract<RedisEndpoint, { kind: 'sentinel' }>,
  role: RedisRole,
): RedisOptions {
  const resend = role === 'worker' || role === 'subscriber';
  return {
    sentinels: endpoint.sentinels,
    name: endpoint.masterName,
    db: endpoint.db,
    ...(endpoint.username ? { username: endpoint.username } : {}),
    ...(endpoint.password ? { password: endpoint.password } : {}),
    ...(endpoint.sentinelPassword ? { sentinelPassword: endpoint.sentinelPassword } : {}),
    sentinelRetryStrategy: reconnectDelayMs,
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? (resend ? 2 : 1) : false),
  };
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
