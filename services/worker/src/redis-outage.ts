import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Logs what Redis trouble costs once per outage, not once per attempt: ioredis emits an 'error' for every
 * failed reconnect and a retrying caller fails every few hundred ms, so an outage of a minute would
 * otherwise write thousands of lines. Each distinct complaint is logged the first time; a connection
 * becoming ready again ends the outage (and is logged once).
 */
export class OutageLog {
  private readonly reported = new Set<string>();

  constructor(private readonly log: Logger) {}

  /**
   * Give a connection its 'error' listener (without one, ioredis prints every error to the console) and let
   * its reconnect end the outage.
   */
  watch<R extends Redis>(redis: R, name: string): R {
    redis.on('error', (error: unknown) => this.report(error, `Redis connection (${name}) failed`));
    redis.on('ready', () => {
      if (this.reported.size === 0) return;
      this.reported.clear();
      this.log.info({ connection: name }, 'Redis reachable again');
    });
    return redis;
  }

  /** Log `what` unless it was already logged during this outage. */
  report(error: unknown, what: string): void {
    if (this.reported.has(what)) return;
    this.reported.add(what);
    this.log.warn({ err: error }, what);
  }
}
