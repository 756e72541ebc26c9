import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

// ioredis's ways of saying "Redis is not there right now", each of which an admin call must answer with
// WAS_REDIS_UNAVAILABLE (a 503 the caller may retry) rather than WAS_INTERNAL (a bug to report).
const OUTAGE_MESSAGES = [
  /Connection is closed/,
  /Stream isn't writeable/,
  /enableOfflineQueue options is false/,
  /Command timed out/,
];
const OUTAGE_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && OUTAGE_ERROR_CODES.has(code)) return true;
  return OUTAGE_MESSAGES.some((pattern) => pattern.test(error.message));
}

/**
 * ioredis emits 'error' on every failed reconnect attempt (several a second), and an 'error' without a
 * listener is printed as an unhandled error event: log the first of each outage, and its end.
 */
export function logOutages(redis: Redis, connection: string, log: Logger): void {
  let down = false;
  redis.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    log.warn({ err: error, connection }, 'Redis unreachable; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ connection }, 'Redis reachable again');
  });
}
