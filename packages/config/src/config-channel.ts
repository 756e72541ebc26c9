import type { Redis } from 'ioredis';
import { Type } from '@sinclair/typebox';
import { CONFIG_CHANNEL, CONFIG_KEY, KEY_PREFIX, messageCodec } from '@w3pool/protocol';
import { closeRedis, createRedis } from '@w3pool/runtime';
import { validateConfig } from './load-config.js';
import type { W3poolConfig } from './schema/w3pool-config.js';

// WAS owns the configuration and hands it to the listener and the workers, as WAS pushes
// applicationHost.config to the listener adapters: it writes the validated tree to one Redis key and
// announces the new version on a channel. Readers re-validate what they read, so a hand-edited key can
// never put a malformed tree into a running service.

/**
 * Which configuration is newer: the epoch first, then the version.
 *
 * The version counter lives in Redis, and a Redis without persistence comes back from a restart empty.
 * A counter that simply started again at 1 would publish versions that every follower already holds (and
 * ignores). So the counter carries an epoch, the time (ms) it began: an empty Redis starts a new epoch,
 * which is greater than any earlier one, and its version 1 is newer than version 500 of the old epoch.
 * A WAS that outlived the Redis restart puts its (epoch, version) back instead, so the counter continues
 * where it was. Configurations published before epochs existed read as epoch 0.
 */
export interface ConfigStamp {
  /** Epoch ms at which the version counter began (0: before epochs). */
  epoch: number;
  /** The number administrators see; it grows by one per publish within an epoch. */
  version: number;
}

export interface PublishedConfig extends ConfigStamp {
  publishedAt: string;
  /** Where WAS read it from (a file path). */
  source: string;
  config: W3poolConfig;
}

/** True when `candidate` is newer than `held`: a greater epoch, or the same epoch and a greater version. */
export function isNewerConfig(candidate: ConfigStamp, held: ConfigStamp): boolean {
  return candidate.epoch > held.epoch || (candidate.epoch === held.epoch && candidate.version > held.version);
}

/** A hash {epoch, version}. An earlier w3pool kept a plain INCR counter here; the scripts carry it over. */
const VERSION_KEY = `${KEY_PREFIX}:config:version`;

// Reads the counter whatever its shape: a hash, an earlier w3pool's plain number (epoch 0), or nothing.
const READ_COUNTER = `
local function counter(key)
  local kind = redis.call('TYPE', key).ok
  if kind == 'hash' then
    return redis.call('HGET', key, 'epoch'), tonumber(redis.call('HGET', key, 'version'))
  elseif kind == 'string' then
    return '0', tonumber(redis.call('GET', key))
  end
  return nil, nil
end
local function store(key, epoch, version)
  redis.call('DEL', key)
  redis.call('HSET', key, 'epoch', epoch, 'version', version)
end
`;

// KEYS[1]: the counter. ARGV[1]: the epoch to begin if there is no counter. Returns {epoch, version}.
const NEXT_VERSION = `${READ_COUNTER}
local epoch, version = counter(KEYS[1])
if epoch == nil then
  epoch, version = ARGV[1], 1
else
  version = version + 1
end
store(KEYS[1], epoch, version)
return {epoch, tostring(version)}
`;

// KEYS[1]: the counter, KEYS[2]: the configuration. ARGV: epoch, version, the configuration's JSON, the
// channel. Puts the counter back to (epoch, version) unless it is already past it, and rewrites the
// configuration unless a newer one is there. Returns 1 if it wrote the configuration.
const RESTORE_VERSION = `${READ_COUNTER}
local epoch, version = counter(KEYS[1])
local held_epoch, held_version = tonumber(ARGV[1]), tonumber(ARGV[2])
local ahead = epoch ~= nil and (tonumber(epoch) > held_epoch or
  (tonumber(epoch) == held_epoch and version > held_version))
if ahead and redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
if not ahead then
  store(KEYS[1], ARGV[1], held_version)
end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[2])
return 1
`;

/**
 * Publish the next version. `minEpoch` keeps a new epoch above the one the caller last published, should
 * this host's clock have stepped back since.
 */
export async function publishConfig(
  redis: Redis,
  source: string,
  config: W3poolConfig,
  options: { minEpoch?: number } = {},
): Promise<PublishedConfig> {
  const newEpoch = Math.max(Date.now(), options.minEpoch ?? 0);
  const reply = (await redis.eval(NEXT_VERSION, 1, VERSION_KEY, String(newEpoch))) as [string, string];
  const published: PublishedConfig = {
    epoch: Number(reply[0]),
    version: Number(reply[1]),
    publishedAt: new Date().toISOString(),
    source,
    config,
  };
  await redis
    .multi()
    .set(CONFIG_KEY, JSON.stringify(published))
    .publish(CONFIG_CHANNEL, String(published.version))
    .exec();
  return published;
}

/**
 * Put a configuration WAS holds back into a Redis that lost it (restarted empty), with the counter at its
 * (epoch, version): followers that hold it ignore it, followers that started since get it, and the next
 * publish continues the same epoch. Never lowers the counter. Returns false if Redis holds a newer one.
 */
export async function republishConfig(redis: Redis, published: PublishedConfig): Promise<boolean> {
  const written = await redis.eval(
    RESTORE_VERSION,
    2,
    VERSION_KEY,
    CONFIG_KEY,
    String(published.epoch),
    String(published.version),
    JSON.stringify(published),
    CONFIG_CHANNEL,
  );
  return written === 1;
}

/**
 * What WAS writes to CONFIG_KEY around the configuration tree. The envelope is checked here; the tree itself
 * by the configuration schema (validateConfig). A key in the format before epochs has none: epoch 0.
 */
const envelopeCodec = messageCodec(
  'published configuration',
  Type.Object({
    version: Type.Integer({ minimum: 0 }),
    epoch: Type.Optional(Type.Number()),
    publishedAt: Type.String(),
    source: Type.String(),
    config: Type.Unknown(),
  }),
);

/** The (epoch, version) of the configuration in Redis, without validating the tree. */
export async function readPublishedStamp(redis: Redis): Promise<ConfigStamp | undefined> {
  const text = await redis.get(CONFIG_KEY);
  if (!text) return undefined;
  const envelope = envelopeCodec.decode(text);
  return { epoch: envelope.epoch ?? 0, version: envelope.version };
}

export async function readPublishedConfig(redis: Redis): Promise<PublishedConfig | undefined> {
  const text = await redis.get(CONFIG_KEY);
  if (!text) return undefined;
  const envelope = envelopeCodec.decode(text);
  return {
    version: envelope.version,
    epoch: envelope.epoch ?? 0,
    publishedAt: envelope.publishedAt,
    source: envelope.source,
    // WAS read every certificate before it published; the listener reads them again when it applies the
    // configuration (and keeps the previous one if a renewed file is half written). A worker, or a container
    // without the certificate volume, must not refuse a configuration for files it never serves.
    config: validateConfig(envelope.config, {
      source: envelope.source,
      baseDir: '/',
      readCertificates: false,
    }),
  };
}

export interface ConfigFollower {
  /** Resolves with the first configuration WAS publishes (or the one already published). */
  readonly first: Promise<PublishedConfig>;
  current(): PublishedConfig | undefined;
  close(): Promise<void>;
}

export interface ConfigFollowerHandlers {
  onChange?: (next: PublishedConfig, previous?: PublishedConfig) => void;
  /** A version that fails validation, a read that failed, or Redis unreachable (once per outage). */
  onError?: (error: unknown) => void;
  /** A published configuration that is not newer than the one held (e.g. WAS republished it). */
  onIgnored?: (candidate: PublishedConfig, held: PublishedConfig) => void;
}

/**
 * Follow the published configuration: `onChange` runs for every newer one (see ConfigStamp). A version
 * that fails validation is reported through `onError` and skipped; the service keeps the one it has.
 * Both connections reconnect by themselves; after each reconnect the key is read again, since a publish
 * may have been missed meanwhile (or Redis came back empty and WAS has republished since).
 */
export function followConfig(redisUrl: string, handlers: ConfigFollowerHandlers): ConfigFollower {
  const subscriber = createRedis(redisUrl, 'subscriber', { connectionName: 'w3pool-config-subscriber' });
  const reader = createRedis(redisUrl, 'control', { connectionName: 'w3pool-config-reader' });
  let current: PublishedConfig | undefined;
  let closed = false;
  let resolveFirst!: (config: PublishedConfig) => void;
  const first = new Promise<PublishedConfig>((resolve) => (resolveFirst = resolve));
  const report = (error: unknown) => {
    if (!closed) handlers.onError?.(error);
  };

  const refresh = async () => {
    // Whichever connection is ready last reads; the reader fails fast while it is still reconnecting.
    if (closed || subscriber.status !== 'ready' || reader.status !== 'ready') return;
    try {
      const next = await readPublishedConfig(reader);
      if (!next) return;
      if (current && !isNewerConfig(next, current)) return handlers.onIgnored?.(next, current);
      const previous = current;
      current = next;
      if (!previous) resolveFirst(next);
      handlers.onChange?.(next, previous);
    } catch (error) {
      report(error);
    }
  };

  // ioredis emits 'error' on every failed reconnect attempt (several a second): report an outage once.
  let outageReported = false;
  for (const connection of [subscriber, reader]) {
    connection.on('error', (error: unknown) => {
      if (!outageReported) report(error);
      outageReported = true;
    });
    connection.on('ready', () => {
      if (subscriber.status === 'ready' && reader.status === 'ready') outageReported = false;
      void refresh();
    });
  }
  subscriber.on('message', (channel: string) => {
    if (channel === CONFIG_CHANNEL) void refresh();
  });
  // Queued until connected; ioredis subscribes again by itself after every reconnect.
  subscriber.subscribe(CONFIG_CHANNEL).then(() => refresh(), report);

  return {
    first,
    current: () => current,
    close: async () => {
      closed = true;
      subscriber.disconnect();
      await closeRedis(reader);
    },
  };
}
