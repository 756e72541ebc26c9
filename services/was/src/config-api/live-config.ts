import type { Redis } from 'ioredis';
import { W3poolError } from '@w3pool/protocol';
import type { PublishedConfig } from '@w3pool/config';
import type { ConfigOrigin, ConfigOwner } from '../config-owner.js';
import { ConfigHistory } from './config-history.js';
import { RawConfigStore, type Persisted } from './raw-config-store.js';

/** The ETag of a version: `"<epoch>-<version>"`, so a version number reused after a new epoch never matches. */
export const etagOf = (published: { epoch: number; version: number }): string =>
  `"${published.epoch}-${published.version}"`;

/**
 * If-Match against the held version (RFC 9110 §13.1.1, strong comparison): `*` or one of the listed tags.
 * Absent: 428 where `required` (PUT of the whole tree), otherwise the write goes ahead, as in Unit.
 */
export function checkIfMatch(header: string | undefined, held: PublishedConfig, required: boolean): void {
  if (header === undefined) {
    if (required) throw new W3poolError('WAS_CONFIG_PRECONDITION_REQUIRED');
    return;
  }
  const tags = header.split(',').map((tag) => tag.trim());
  if (tags.includes('*') || tags.includes(etagOf(held))) return;
  throw new W3poolError('WAS_CONFIG_PRECONDITION_FAILED', `held ${etagOf(held)}, If-Match ${header}`);
}

export interface ChangeResult {
  version: number;
  etag: string;
  persisted: Persisted['persisted'];
  backup?: string;
}

/**
 * The admin API's side of the configuration: reads of the raw tree, and changes that go through
 * ConfigOwner.publishRaw — the same validation and the same publish as a SIGHUP reload — after being
 * written back (RawConfigStore). Also records every version, whatever made it, in the history.
 */
export class LiveConfig {
  readonly history: ConfigHistory;
  private readonly store: RawConfigStore;

  constructor(
    private readonly owner: ConfigOwner,
    redis: Redis,
  ) {
    this.history = new ConfigHistory(redis);
    this.store = new RawConfigStore(owner.location.source, redis);
    owner.hooks = {
      override: (modified) => this.store.newerThanFile(modified),
      published: (event) => this.history.record(event),
    };
  }

  /** The held version and its raw tree (503 WAS_NOT_READY before the first publish). */
  held(): { published: PublishedConfig; raw: unknown; etag: string } {
    const published = this.owner.current;
    if (!published) throw new W3poolError('WAS_NOT_READY');
    return { published, raw: this.owner.raw, etag: etagOf(published) };
  }

  /** Apply `edit` to the held raw tree, as one change, if `ifMatch` still names the held version. */
  async change(
    edit: (raw: unknown) => unknown,
    options: { ifMatch: string | undefined; required?: boolean; origin?: ConfigOrigin },
  ): Promise<ChangeResult> {
    const { published, persisted } = await this.owner.publishRaw(options.origin ?? 'api', {
      prepare: (held, raw) => {
        checkIfMatch(options.ifMatch, held, options.required ?? false);
        // The edit runs on what is held now, in the same turn as the check: no lost update.
        return edit(raw);
      },
      persist: (raw) => this.store.persist(raw),
    });
    return {
      version: published.version,
      etag: etagOf(published),
      persisted: persisted.persisted,
      ...(persisted.persisted === 'file' ? { backup: persisted.backup } : {}),
    };
  }
}
