import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PublishedConfig } from '@w3pool/config';
import { startRedis, type TestRedis } from '@w3pool/test/helpers';
import { ConfigHistory, HISTORY_LENGTH, changedParts } from './config-history.js';

const published = (version: number) =>
  ({ version, epoch: 1, publishedAt: `t${version}`, source: 'w3pool.yaml' }) as PublishedConfig;

describe('the configuration history', () => {
  let server: TestRedis;
  let redis: Redis;
  let history: ConfigHistory;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    history = new ConfigHistory(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  it('lists versions newest first with their origin and changed parts, and gives back a tree', async () => {
    const one = { applicationPools: [{ name: 'A' }], sites: [] };
    const two = { ...one, applicationPools: [{ name: 'B' }] };
    await history.record({ published: published(1), raw: one, previousRaw: undefined, origin: 'file' });
    await history.record({ published: published(2), raw: two, previousRaw: one, origin: 'api' });
    expect(await history.list()).toEqual([
      { version: 2, epoch: 1, time: 't2', origin: 'api', changed: ['applicationPools'] },
      { version: 1, epoch: 1, time: 't1', origin: 'file', changed: ['applicationPools', 'sites'] },
    ]);
    expect(await history.tree(1)).toEqual(one);
    await expect(history.tree(3)).rejects.toMatchObject({ code: 'WAS_CONFIG_VERSION_NOT_FOUND' });
  });

  it(`keeps the last ${HISTORY_LENGTH} versions only`, async () => {
    for (let v = 1; v <= HISTORY_LENGTH + 5; v += 1)
      await history.record({ published: published(v), raw: { v }, previousRaw: { v: v - 1 }, origin: 'api' });
    const versions = (await history.list()).map((entry) => entry.version);
    expect(versions).toHaveLength(HISTORY_LENGTH);
    expect([versions[0], versions.at(-1)]).toEqual([HISTORY_LENGTH + 5, 6]);
  });

  it('names only the top-level parts that differ', () => {
    expect(changedParts({ a: 1, b: [1] }, { a: 1, b: [2], c: {} })).toEqual(['b', 'c']);
  });
});
