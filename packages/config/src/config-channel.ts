import { Redis } from 'ioredis';
import { CONFIG_CHANNEL, CONFIG_KEY, KEY_PREFIX } from '@w3pool/protocol';
import { validateConfig } from './load-config.js';
import type { W3poolConfig } from './schema/w3pool-config.js';

// WAS owns the configuration and hands it to the listener and the workers, as WAS pushes
// applicationHost.config to the listener adapters: it writes the validated tree to one Redis key and
// announces the new version on a channel. Readers re-validate what they read, so a hand-edited key can
// never put a malformed tree into a running service.

export interface PublishedConfig {
  version: number;
  publishedAt: string;
  /** Where WAS read it from (a file path). */
  source: string;
  config: W3poolConfig;
}

const VERSION_KEY = `${KEY_PREFIX}:config:version`;

export async function publishConfig(
  redis: Redis,
  source: string,
  config: W3poolConfig,
): Promise<PublishedConfig> {
  const version = await redis.incr(VERSION_KEY);
  const published: PublishedConfig = { version, publishedAt: new Date().toISOString(), source, config };
  await redis
    .multi()
    .set(CONFIG_KEY, JSON.stringify(published))
    .publish(CONFIG_CHANNEL, String(version))
    .exec();
  return published;
}

export async function readPublishedConfig(redis: Redis): Promise<PublishedConfig | undefined> {
  const text = await redis.get(CONFIG_KEY);
  if (!text) return undefined;
  const parsed = JSON.parse(text) as PublishedConfig;
  return { ...parsed, config: validateConfig(parsed.config, { source: parsed.source, baseDir: '/' }) };
}

export interface ConfigFollower {
  /** Resolves with the first configuration WAS publishes (or the one already published). */
  readonly first: Promise<PublishedConfig>;
  current(): PublishedConfig | undefined;
  close(): Promise<void>;
}

/**
 * Follow the published configuration: `onChange` runs for every newer version. A version that fails
 * validation is reported through `onError` and skipped; the service keeps the one it has.
 */
export function followConfig(
  redisUrl: string,
  handlers: {
    onChange?: (next: PublishedConfig, previous?: PublishedConfig) => void;
    onError?: (error: unknown) => void;
  },
): ConfigFollower {
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  const reader = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  let current: PublishedConfig | undefined;
  let resolveFirst!: (config: PublishedConfig) => void;
  const first = new Promise<PublishedConfig>((resolve) => (resolveFirst = resolve));

  const refresh = async () => {
    try {
      const next = await readPublishedConfig(reader);
      if (!next || (current && next.version <= current.version)) return;
      const previous = current;
      current = next;
      if (!previous) resolveFirst(next);
      handlers.onChange?.(next, previous);
    } catch (error) {
      handlers.onError?.(error);
    }
  };

  subscriber.on('message', (channel: string) => {
    if (channel === CONFIG_CHANNEL) void refresh();
  });
  // After a reconnect the subscription is restored by ioredis, but a publish may have been missed meanwhile.
  subscriber.on('ready', () => void refresh());
  void (async () => {
    try {
      await Promise.all([subscriber.connect(), reader.connect()]);
      await subscriber.subscribe(CONFIG_CHANNEL);
      await refresh();
    } catch (error) {
      handlers.onError?.(error);
    }
  })();

  return {
    first,
    current: () => current,
    close: async () => {
      subscriber.disconnect();
      await reader.quit().catch(() => reader.disconnect());
    },
  };
}
