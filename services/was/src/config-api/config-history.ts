import type { Redis } from 'ioredis';
import { KEY_PREFIX, W3poolError } from '@w3pool/protocol';
import type { ConfigOrigin, PublishEvent } from '../config-owner.js';

/** How many versions the history keeps (newest first); older ones are dropped. */
export const HISTORY_LENGTH = 20;
export const HISTORY_KEY = `${KEY_PREFIX}:config:history`;

export interface HistoryEntry {
  version: number;
  epoch: number;
  time: string;
  origin: ConfigOrigin;
  /** The top-level parts (applicationPools, sites, webServer, ...) that differ from the version before. */
  changed: string[];
}

interface StoredEntry extends HistoryEntry {
  raw: unknown;
}

/** The last versions with what changed them, in a bounded Redis list, each with its tree for a restore. */
export class ConfigHistory {
  constructor(private readonly redis: Redis) {}

  async record(event: PublishEvent): Promise<void> {
    const { published, raw, previousRaw, origin } = event;
    const entry: StoredEntry = {
      version: published.version,
      epoch: published.epoch,
      time: published.publishedAt,
      origin,
      changed: changedParts(previousRaw, raw),
      raw,
    };
    await this.redis
      .multi()
      .lpush(HISTORY_KEY, JSON.stringify(entry))
      .ltrim(HISTORY_KEY, 0, HISTORY_LENGTH - 1)
      .exec();
  }

  async list(): Promise<HistoryEntry[]> {
    return (await this.stored()).map(({ raw: _raw, ...entry }) => entry);
  }

  /** The tree of a version (of the newest epoch that has it); 404 WAS_CONFIG_VERSION_NOT_FOUND if gone. */
  async tree(version: number): Promise<unknown> {
    const found = (await this.stored()).find((entry) => entry.version === version);
    if (!found) throw new W3poolError('WAS_CONFIG_VERSION_NOT_FOUND', String(version));
    return found.raw;
  }

  private async stored(): Promise<StoredEntry[]> {
    const items = await this.redis.lrange(HISTORY_KEY, 0, HISTORY_LENGTH - 1);
    return items.map((item) => JSON.parse(item) as StoredEntry);
  }
}

/** Top-level keys whose content differs; every key present when there is nothing before. */
export function changedParts(before: unknown, after: unknown): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
}
