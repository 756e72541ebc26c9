import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  isNewerConfig,
  loadConfigFile,
  publishConfig,
  readPublishedStamp,
  republishConfig,
  type PublishedConfig,
} from '@w3pool/config';
import { Serial } from './serial.js';

export type RecoveryOutcome = 'intact' | 'republished' | 'superseded';

/**
 * WAS owns the live configuration: it reads the file, validates it, and publishes it for the listener and
 * the workers. A reload that fails validation changes nothing: the published version stays in force.
 * WAS keeps what it published, so that a Redis that restarted empty gets it back (recover).
 */
export class ConfigOwner {
  private published: PublishedConfig | undefined;
  // A SIGHUP during a recovery publishes after it, on the counter the recovery put back.
  private readonly writes = new Serial();

  constructor(
    private readonly file: string,
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  get current(): PublishedConfig | undefined {
    return this.published;
  }

  /** Load, validate and publish. Throws ConfigError (with JSON pointers) and leaves the state as it was. */
  async load(): Promise<PublishedConfig> {
    // W3POOL_LOG_ROOT: where relative log directories go (a writable volume in a container).
    const config = await loadConfigFile(this.file, process.env.W3POOL_LOG_ROOT);
    return this.writes.run(async () => {
      const minEpoch = this.published ? this.published.epoch + 1 : 0;
      this.published = await publishConfig(this.redis, this.file, config, { minEpoch });
      const { epoch, version } = this.published;
      this.log.info({ epoch, version, source: this.file }, 'configuration published');
      return this.published;
    });
  }

  /**
   * After a reconnect: if Redis lost the configuration (it restarted empty) or holds an older one, put back
   * first what else WAS holds (`restoreState`: the pool and site states, read by a pool host as soon as it
   * has a configuration), then the configuration, with the version counter where it was.
   */
  async recover(restoreState: () => Promise<unknown>): Promise<RecoveryOutcome> {
    return this.writes.run(async () => {
      const held = this.published;
      if (!held) return 'intact';
      const stored = await readPublishedStamp(this.redis);
      if (stored && !isNewerConfig(held, stored)) return 'intact';
      await restoreState();
      const written = await republishConfig(this.redis, held);
      const fields = { epoch: held.epoch, version: held.version, found: stored ?? null };
      if (!written) {
        this.log.warn(fields, 'Redis holds a newer configuration than WAS; left in place');
        return 'superseded';
      }
      this.log.warn(fields, 'Redis came back without the configuration; republished it with the states');
      return 'republished';
    });
  }
}
