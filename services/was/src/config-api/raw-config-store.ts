import { readFile, stat } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '@w3pool/protocol';
import { isReadOnly, writeFileAtomically } from './config-writer.js';
import { renderYaml } from './yaml-text.js';

/** Where an accepted change was kept: the configuration file, or Redis where the file is read-only. */
export type Persisted = { persisted: 'file'; backup: string } | { persisted: 'redis' };

/** The tree the admin API saved while the file could not be written, with the time it was saved. */
export const SAVED_CONFIG_KEY = `${KEY_PREFIX}:config:saved`;

interface SavedTree {
  savedAt: number;
  raw: unknown;
}

/**
 * Keeps the raw (as-written) tree: in the file when it can be written, otherwise in Redis.
 *
 * A file is treated as read-only when it has no write permission bit (as an admin marks it, and as root
 * would otherwise ignore) or when writing fails with EROFS/EACCES/EPERM (a container's read-only mount).
 * A tree saved in Redis supersedes the file at WAS's start and on SIGHUP only while it is newer than the
 * file's modification time: editing the file afterwards makes the file win again.
 */
export class RawConfigStore {
  constructor(
    private readonly file: string,
    private readonly redis: Redis,
  ) {}

  async persist(raw: unknown): Promise<Persisted> {
    if (await this.writable()) {
      try {
        const previous = await readFile(this.file, 'utf8').catch(() => undefined);
        const { backup } = await writeFileAtomically(this.file, renderYaml(previous, raw));
        // The file holds the newest tree now; an older one in Redis must not come back at the next start.
        await this.redis.del(SAVED_CONFIG_KEY);
        return { persisted: 'file', backup };
      } catch (error) {
        if (!isReadOnly(error)) throw error;
      }
    }
    const saved: SavedTree = { savedAt: Date.now(), raw };
    await this.redis.set(SAVED_CONFIG_KEY, JSON.stringify(saved));
    return { persisted: 'redis' };
  }

  /** The tree saved in Redis, if it is newer than the file (modified at `fileModifiedMs`). */
  async newerThanFile(fileModifiedMs: number): Promise<unknown> {
    const text = await this.redis.get(SAVED_CONFIG_KEY);
    if (!text) return undefined;
    const saved = JSON.parse(text) as SavedTree;
    return saved.savedAt > fileModifiedMs ? saved.raw : undefined;
  }

  private async writable(): Promise<boolean> {
    const { mode } = await stat(this.file);
    return (mode & 0o222) !== 0;
  }
}
