import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readPublishedStamp } from '@w3pool/config';
import { CONFIG_KEY, POOL_STATE_KEY, SITE_STATE_KEY, parseRuntimeState } from '@w3pool/protocol';
import { eventually, poolsConfig, startRedis, writeConfig, type TestRedis } from '@w3pool/test/helpers';
import { buildWas, type WasService } from './app.js';

// WAS outlives a Redis restart: the admin API answers 503 at once while Redis is away, and what a Redis
// without persistence lost (the configuration, the version counter, the stopped pools and sites) is put
// back when it returns.
describe('WAS across a Redis restart', () => {
  let server: TestRedis;
  let redis: Redis;
  let dir: string;
  let configFile: string;
  let was: WasService | undefined;
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  // The admin API needs its bearer token (docs/admin-security.md).
  const env = { W3POOL_ADMIN_TOKEN: 'redis-recovery-test-token-0123456789abcdef' };
  const headers = { authorization: `Bearer ${env.W3POOL_ADMIN_TOKEN}` };

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    ({ file: configFile, dir } = await writeConfig(
      poolsConfig(8080, { Other: {} }, { rootPool: 'DefaultAppPool' }),
    ));
  });
  afterEach(async () => {
    await was?.close();
    was = undefined;
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (method: 'GET' | 'POST', url: string) => {
    const started = performance.now();
    const response = await was!.http.inject({ method, url, headers });
    return { ...response, ms: performance.now() - started, json: () => response.json<{ code?: string }>() };
  };
  const recordedState = async (hash: string, field: string) => {
    const json = await redis.hget(hash, field);
    return json ? parseRuntimeState(json)?.state : undefined;
  };

  it('answers 503 WAS_REDIS_UNAVAILABLE at once while Redis is down, then puts back what Redis lost', async () => {
    was = await buildWas({ redisUrl: server.url, configFile, log, env });
    expect((await call('POST', '/api/apppools/Other/stop')).statusCode).toBe(200);
    expect((await call('POST', '/api/sites/1/stop')).statusCode).toBe(200);
    const held = was.config.current!;
    lines.length = 0;

    await server.restart(async () => {
      await eventually(
        async () => ((await call('GET', '/healthz')).statusCode === 503 ? true : undefined),
        'degraded',
      );
      for (const [method, url] of [
        ['GET', '/api/apppools'],
        ['GET', '/api/wp'],
        ['POST', '/api/apppools/Other/start'],
      ] as const) {
        const response = await call(method, url);
        expect(response.statusCode, url).toBe(503);
        expect(response.json().code).toBe('WAS_REDIS_UNAVAILABLE');
        expect(response.ms).toBeLessThan(1_000);
      }
      expect((await call('GET', '/readyz')).statusCode).toBe(503);
    });

    await eventually(
      async () => ((await call('GET', '/readyz')).statusCode === 200 ? true : undefined),
      'ready',
    );
    expect(await readPublishedStamp(redis)).toEqual({ epoch: held.epoch, version: held.version });
    expect(await recordedState(POOL_STATE_KEY, 'Other')).toBe('Stopped');
    expect(await recordedState(SITE_STATE_KEY, '1')).toBe('Stopped');
    // The start refused while Redis was down did not reach the mirror.
    const pools = (await call('GET', '/api/apppools')).json() as unknown as { name: string; state: string }[];
    expect(pools.find((p) => p.name === 'Other')?.state).toBe('Stopped');
    // The next publish (SIGHUP) continues the epoch, so followers at the held version take it.
    expect(await was.config.load()).toMatchObject({ epoch: held.epoch, version: held.version + 1 });
    expect(lines.filter((l) => l.includes('Redis unreachable')).length).toBeLessThanOrEqual(2);
    expect(lines.some((l) => l.includes('republished it with the states'))).toBe(true);
  });

  it('a restarted WAS continues the epoch and learns the states from Redis, to put them back later', async () => {
    was = await buildWas({ redisUrl: server.url, configFile, log, env });
    const before = was.config.current!;
    await call('POST', '/api/apppools/Other/stop');
    await was.close();
    was = await buildWas({ redisUrl: server.url, configFile, log, env });
    expect(was.config.current).toMatchObject({ epoch: before.epoch, version: before.version + 1 });

    await server.restart();
    await eventually(
      async () => ((await call('GET', '/readyz')).statusCode === 200 ? true : undefined),
      'ready',
    );
    expect(await recordedState(POOL_STATE_KEY, 'Other')).toBe('Stopped');
    expect(await redis.exists(CONFIG_KEY)).toBe(1);
  });
});
