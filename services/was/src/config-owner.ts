import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadConfigFile, publishConfig, type PublishedConfig } from '@w3pool/config';

/**
 * WAS owns the live configuration: it reads the file, validates it, and publishes it for the listener and
 * the workers. A reload that fails validation changes nothing: the published version stays in force.
 */
export class ConfigOwner {
  private published: PublishedConfig | undefined;

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
    this.published = await publishConfig(this.redis, this.file, config);
    this.log.info({ version: this.published.version, source: this.file }, 'configuration published');
    return this.published;
  }
}
