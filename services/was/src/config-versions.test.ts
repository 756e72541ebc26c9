import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  followConfig,
  isNewerConfig,
  publishConfig,
  readPublishedConfig,
  republishConfig,
  validateConfig,
  type ConfigFollower,
  type ConfigStamp,
  type PublishedConfig,
} from '@w3pool/config';
import { CONFIG_CHANNEL, CONFIG_KEY, KEY_PREFIX } from '@w3pool/protocol';
import { eventually, siteConfig, startRedis, type TestRedis } from '@w3pool/test/helpers';

const VERSION_KEY = `${KEY_PREFIX}:config:version`;
const config = validateConfig(siteConfig(8080), { source: 'test.yaml', baseDir: '/' });

// WAS publishes, listeners and worker processes follow: versions must never seem to go backwards, even
// when Redis restarts empty and its version counter with it (the rules: config-channel.ts, ConfigStamp).
describe('configuration epochs and versions', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined); // the restart test drops this connection too
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  it("is read by followers without their reading the certificates, which a worker's container does not have", async () => {
    const raw = siteConfig(8080);
    (raw.sites[0]!.bindings as Record<string, unknown>[]).push({
      protocol: 'https',
      bindingInformation: '*:8443:',
      certificateFile: '/nonexistent/localhost.crt',
      certificateKeyFile: '/nonexistent/localhost.key',
    });
    const https = validateConfig(raw, { source: 'test.yaml', baseDir: '/', readCertificates: false });
    await publishConfig(redis, 'a.yaml', https);
    const read = await readPublishedConfig(redis);
    expect(read?.config.sites[0]!.bindings[1]?.certificateFile).toBe('/nonexistent/localhost.crt');
  });

  it('begins an epoch on an empty Redis and continues it with each publish', async () => {
    const before = Date.now();
    const first = await publishConfig(redis, 'a.yaml', config);
    expect(first.version).toBe(1);
    expect(first.epoch).toBeGreaterThanOrEqual(before);
    const second = await publishConfig(redis, 'a.yaml', config);
    expect(second).toMatchObject({ epoch: first.epoch, version: 2 });
    expect(await redis.hgetall(VERSION_KEY)).toEqual({ epoch: String(first.epoch), version: '2' });
  });

  it('begins a new, greater epoch once the counter is lost, never below minEpoch', async () => {
    const old = await publishConfig(redis, 'a.yaml', config);
    await publishConfig(redis, 'a.yaml', config);
    await redis.flushall(); // what a restart without persistence leaves
    const next = await publishConfig(redis, 'a.yaml', config, { minEpoch: old.epoch + 1 });
    expect(next.version).toBe(1);
    expect(next.epoch).toBeGreaterThan(old.epoch);
    expect(isNewerConfig(next, old)).toBe(true);
  });

  it('republish restores the counter and the key, so the next publish continues the epoch', async () => {
    await publishConfig(redis, 'a.yaml', config);
    const held = await publishConfig(redis, 'a.yaml', config);
    await redis.flushall();
    expect(await republishConfig(redis, held)).toBe(true);
    expect(JSON.parse((await redis.get(CONFIG_KEY))!)).toMatchObject({ epoch: held.epoch, version: 2 });
    expect(await publishConfig(redis, 'a.yaml', config)).toMatchObject({ epoch: held.epoch, version: 3 });
  });

  it('republish never lowers the counter nor replaces a newer configuration', async () => {
    const held = await publishConfig(redis, 'a.yaml', config);
    await publishConfig(redis, 'b.yaml', config);
    expect(await republishConfig(redis, held)).toBe(false);
    expect(JSON.parse((await redis.get(CONFIG_KEY))!)).toMatchObject({ version: 2, source: 'b.yaml' });
    expect(await redis.hget(VERSION_KEY, 'version')).toBe('2');
  });

  it("continues an earlier w3pool's plain counter as epoch 0", async () => {
    await redis.set(VERSION_KEY, '7');
    expect(await publishConfig(redis, 'a.yaml', config)).toMatchObject({ epoch: 0, version: 8 });
  });

  describe('a follower', () => {
    let follower: ConfigFollower | undefined;
    afterEach(async () => {
      await follower?.close();
      follower = undefined;
    });

    /** Write a configuration with this stamp as WAS would, and announce it. */
    const announce = async (stamp: ConfigStamp, source: string) => {
      const published: PublishedConfig = { ...stamp, publishedAt: '', source, config };
      await redis.set(CONFIG_KEY, JSON.stringify(published));
      await redis.publish(CONFIG_CHANNEL, String(stamp.version));
    };

    it('at (e, 5) ignores (e, 5) and (e, 4), accepts (e, 6) and (e+1, 1)', async () => {
      const e = Date.now();
      const changes: string[] = [];
      const ignored: string[] = [];
      await announce({ epoch: e, version: 5 }, 'first');
      follower = followConfig(server.url, {
        onChange: (next) => changes.push(`${next.epoch - e}/${next.version} ${next.source}`),
        onIgnored: (candidate, held) =>
          ignored.push(
            `${candidate.epoch - e}/${candidate.version} ${candidate.source} over ${held.version}`,
          ),
      });
      expect(await follower.first).toMatchObject({ epoch: e, version: 5, source: 'first' });

      await announce({ epoch: e, version: 5 }, 'same again');
      await eventually(
        () => (ignored.includes('0/5 same again over 5') ? true : undefined),
        'the republished 5',
      );
      await announce({ epoch: e, version: 4 }, 'older');
      await eventually(() => (ignored.includes('0/4 older over 5') ? true : undefined), '4 ignored');
      await announce({ epoch: e, version: 6 }, 'newer');
      await eventually(() => (follower!.current()?.version === 6 ? true : undefined), 'version 6');
      await announce({ epoch: e + 1, version: 1 }, 'new epoch');
      await eventually(() => (follower!.current()?.epoch === e + 1 ? true : undefined), 'epoch e+1');
      expect(changes).toEqual(['0/5 first', '0/6 newer', '1/1 new epoch']);
    });

    it('reconnects by itself after Redis restarts, and takes what is published afterwards', async () => {
      const errors: unknown[] = [];
      const changes: number[] = [];
      const before = await publishConfig(redis, 'a.yaml', config);
      follower = followConfig(server.url, {
        onChange: (next) => changes.push(next.version),
        onError: (error) => errors.push(error),
      });
      await follower.first;
      await server.restart();
      const after = await eventually(
        () => (redis.status === 'ready' ? publishConfig(redis, 'b.yaml', config) : undefined),
        'Redis back',
      );
      expect(isNewerConfig(after, before)).toBe(true);
      await eventually(() => (follower!.current()?.source === 'b.yaml' ? true : undefined), 'b.yaml');
      // One report per outage at most, however many reconnect attempts failed.
      expect(errors.length).toBeLessThanOrEqual(1);
    });
  });
});
