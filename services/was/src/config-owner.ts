import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseDocument } from 'yaml';
import {
  ConfigError,
  isNewerConfig,
  parseConfig,
  publishConfig,
  readPublishedStamp,
  republishConfig,
  validateConfig,
  type ConfigLocation,
  type PublishedConfig,
  type W3poolConfig,
} from '@w3pool/config';
import { W3poolError } from '@w3pool/protocol';
import { Serial } from './serial.js';
import { recordConfigChange } from './events/config-change-event.js';

export type RecoveryOutcome = 'intact' | 'republished' | 'superseded';

/** What made a new version: WAS's start, a SIGHUP, the admin API, or a restore from the history. */
export type ConfigOrigin = 'file' | 'sighup' | 'api' | 'restore';

export interface PublishEvent {
  published: PublishedConfig;
  /** The tree as written (relative paths unresolved), and the one it replaced. */
  raw: unknown;
  previousRaw: unknown;
  origin: ConfigOrigin;
}

/** The live configuration API's hooks (config-api/): kept as an interface so this file does not import it. */
export interface ConfigOwnerHooks {
  /** A tree saved in Redis where the file is read-only; it supersedes the file if it is newer (mtime). */
  override?(fileModifiedMs: number): Promise<unknown>;
  /** After every publish (the history). */
  published?(event: PublishEvent): Promise<void>;
}

/**
 * WAS owns the live configuration: it reads the file, validates it, and publishes it for the listener and
 * the workers. A reload that fails validation changes nothing: the published version stays in force.
 * WAS keeps what it published, so that a Redis that restarted empty gets it back (recover).
 */
export class ConfigOwner {
  private published: PublishedConfig | undefined;
  private rawTree: unknown;
  // A SIGHUP during a recovery publishes after it, on the counter the recovery put back.
  private readonly writes = new Serial();
  readonly location: ConfigLocation;
  hooks: ConfigOwnerHooks = {};

  constructor(
    private readonly file: string,
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {
    const source = resolve(file);
    // W3POOL_LOG_ROOT: where relative log directories go (a writable volume in a container).
    this.location = { source, baseDir: dirname(source), logRoot: process.env.W3POOL_LOG_ROOT };
  }

  get current(): PublishedConfig | undefined {
    return this.published;
  }

  /** The published tree as written, relative paths unresolved: what the admin API edits and writes back. */
  get raw(): unknown {
    return this.rawTree;
  }

  /** Load, validate and publish. Throws ConfigError (with JSON pointers) and leaves the state as it was. */
  async load(): Promise<PublishedConfig> {
    const { source } = this.location;
    let text: string;
    let modified: number;
    try {
      [text, modified] = await Promise.all([readFile(source, 'utf8'), stat(source).then((s) => s.mtimeMs)]);
    } catch (error) {
      throw new ConfigError('CONFIG_UNREADABLE', source, [{ pointer: '', reason: (error as Error).message }]);
    }
    const saved = await this.hooks.override?.(modified);
    const config = saved === undefined ? parseConfig(text, this.location) : this.validate(saved);
    const raw = saved ?? (parseDocument(text).toJS() as unknown);
    const origin: ConfigOrigin = this.published ? 'sighup' : 'file';
    return this.writes.run(() => this.commit(config, raw, origin));
  }

  /**
   * Publish a tree that did not come from the file (admin API, restore), validated exactly as the file is.
   * In one turn with every other write: `prepare` sees what is held (the If-Match test) and returns the new
   * tree, `persist` writes it back before it is published. A refusal at any step leaves the running
   * configuration as it was.
   */
  async publishRaw<T>(
    origin: ConfigOrigin,
    steps: { prepare(held: PublishedConfig, raw: unknown): unknown; persist(raw: unknown): Promise<T> },
  ): Promise<{ published: PublishedConfig; persisted: T }> {
    return this.writes.run(async () => {
      if (!this.published) throw new W3poolError('WAS_NOT_READY');
      const raw = steps.prepare(this.published, this.rawTree);
      const config = this.validate(raw);
      const persisted = await steps.persist(raw);
      return { published: await this.commit(config, raw, origin), persisted };
    });
  }

  private validate(raw: unknown): W3poolConfig {
    return validateConfig(raw, this.location);
  }

  private async commit(config: W3poolConfig, raw: unknown, origin: ConfigOrigin): Promise<PublishedConfig> {
    const minEpoch = this.published ? this.published.epoch + 1 : 0;
    const published = await publishConfig(this.redis, this.file, config, { minEpoch });
    const previousRaw = this.rawTree;
    this.published = published;
    this.rawTree = raw;
    const { epoch, version } = published;
    this.log.info({ epoch, version, source: this.file, origin }, 'configuration published');
    await this.hooks.published?.({ published, raw, previousRaw, origin });
    // The event log (GET /api/events and its live stream): every new version is an event.
    recordConfigChange(this.redis, { epoch, version, origin }, this.log);
    return published;
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
