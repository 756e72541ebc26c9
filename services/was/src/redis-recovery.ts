import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConfigOwner } from './config-owner.js';
import type { RuntimeControl } from './runtime-control.js';

/**
 * Each time WAS's connection is ready again after a loss, checks that Redis still holds what WAS
 * published, and puts it back if Redis restarted empty: without it, a pool host or worker process
 * started afterwards would wait for a configuration forever, and stopped pools would start again.
 */
export class RedisRecovery {
  private checked = true;

  constructor(
    private readonly redis: Redis,
    private readonly config: ConfigOwner,
    private readonly control: RuntimeControl,
    private readonly log: Logger,
  ) {}

  /** Redis is connected and holds WAS's configuration (as far as WAS has checked since the last loss). */
  get inSync(): boolean {
    return this.checked && this.redis.status === 'ready';
  }

  /** Call once the first configuration is published; the first connection needs no check. */
  watch(): void {
    this.redis.on('close', () => (this.checked = false));
    this.redis.on('ready', () => void this.check());
  }

  private async check(): Promise<void> {
    try {
      const outcome = await this.config.recover(() => this.control.restoreState());
      this.checked = this.redis.status === 'ready';
      if (outcome === 'intact') this.log.info('Redis still holds the configuration');
    } catch (error) {
      // The connection dropped again, most likely: the next 'ready' checks again.
      this.log.warn({ err: error }, 'configuration not checked after the reconnect; retrying on the next');
    }
  }
}
