import { watch, type FSWatcher } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CACHE_INVALIDATION_CHANNEL, cacheInvalidationCodec, type CacheInvalidation } from '@w3pool/protocol';

/** Files watched at once; past this, a cached entry relies on its lifetime alone. */
const MAX_WATCHED = 2000;

/**
 * The files behind responses the listeners cache. When one changes, every listener is told to drop the
 * URLs made from it (http.sys flushes a kernel-cache entry when its file change notification fires).
 */
export class CacheDependencies {
  private readonly watched = new Map<string, { watcher: FSWatcher; urls: Map<string, CacheInvalidation> }>();

  constructor(
    private readonly publisher: Redis,
    private readonly log: Logger,
  ) {}

  /** Returns false when the file cannot be watched; the caller then must not let the response be cached. */
  track(file: string, url: CacheInvalidation): boolean {
    let entry = this.watched.get(file);
    if (!entry) {
      if (this.watched.size >= MAX_WATCHED) return false;
      let watcher: FSWatcher;
      try {
        watcher = watch(file, { persistent: false }, () => this.changed(file));
      } catch {
        return false;
      }
      watcher.on('error', () => this.changed(file));
      entry = { watcher, urls: new Map() };
      this.watched.set(file, entry);
    }
    entry.urls.set(`${url.siteId}:${url.path}`, url);
    return true;
  }

  close(): void {
    for (const { watcher } of this.watched.values()) watcher.close();
    this.watched.clear();
  }

  private changed(file: string): void {
    const entry = this.watched.get(file);
    if (!entry) return;
    this.watched.delete(file);
    entry.watcher.close();
    for (const url of entry.urls.values()) {
      this.publisher
        .publish(CACHE_INVALIDATION_CHANNEL, cacheInvalidationCodec.encode(url))
        .catch((error: unknown) => this.log.warn({ err: error, file }, 'cache invalidation not published'));
    }
  }
}
