import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '@w3pool/config';
import { siteConfig } from '@w3pool/test/helpers';
import type { ResponseHead } from '@w3pool/protocol';
import { ResponseCache } from './response-cache.js';

const config = (caching: Record<string, unknown> = {}) =>
  validateConfig({ ...siteConfig(80, '/srv'), webServer: { caching } }, { source: 'test', baseDir: '/' });

const request = (headers: Record<string, string> = {}, method = 'GET') =>
  ({ method, headers }) as unknown as IncomingMessage;

const head = (body: string, cacheMs = 60_000, extra: Partial<ResponseHead> = {}): ResponseHead => ({
  t: 'head',
  id: 'x',
  status: 200,
  substatus: 0,
  headers: { 'content-type': 'text/plain' },
  body: Buffer.from(body),
  final: true,
  worker: { pool: 'P', pid: 1, control: 'w' },
  cacheMs,
  ...extra,
});

/** Request the URL `times` times (misses), then offer the response. */
function fill(cache: ResponseCache, path: string, response: ResponseHead, times = 2): string {
  const key = cache.keyFor(request(), 1, path, '')!;
  for (let i = 0; i < times; i += 1) cache.lookup(key);
  cache.store(key, 'GET', 1, path, response);
  return key;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('response cache', () => {
  it('keeps a response only once the URL is frequently hit (frequentHitThreshold)', () => {
    const cache = new ResponseCache();
    cache.configure(config());
    const once = fill(cache, '/a', head('a'), 1);
    expect(cache.lookup(once)).toBeUndefined();
    const twice = fill(cache, '/b', head('b'));
    expect(cache.lookup(twice)?.body.toString()).toBe('b');
    cache.close();
  });

  it('refuses what http.sys would not cache', () => {
    const cache = new ResponseCache();
    cache.configure(config());
    expect(cache.keyFor(request({ authorization: 'Basic x' }), 1, '/a', '')).toBeUndefined();
    expect(cache.keyFor(request({ range: 'bytes=0-1' }), 1, '/a', '')).toBeUndefined();
    expect(cache.keyFor(request({ translate: 'f' }), 1, '/a', '')).toBeUndefined();
    expect(cache.keyFor(request({}, 'POST'), 1, '/a', '')).toBeUndefined();
    expect(cache.keyFor(request(), 1, '/a', 'q=1')).toBeUndefined();
    for (const response of [
      head('x', 60_000, { status: 404 }),
      head('x', 60_000, { final: false }),
      head('x', 60_000, { headers: { 'set-cookie': 'a=b' } }),
      head('x'.repeat(262145)),
    ]) {
      const key = fill(cache, '/refused', response);
      expect(cache.lookup(key)).toBeUndefined();
    }
    cache.close();
  });

  it('keys query strings when cacheQueryStrings is on', () => {
    const cache = new ResponseCache();
    cache.configure(config({ cacheQueryStrings: true }));
    expect(cache.keyFor(request(), 1, '/a', 'q=1')).toBe('1\n/a?q=1');
    cache.close();
  });

  it('drops entries at the end of their lifetime, on invalidation and on a new configuration', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new ResponseCache();
    cache.configure(config());
    const short = fill(cache, '/short', head('s', 1000));
    const long = fill(cache, '/long', head('l'));
    vi.setSystemTime(1_002_000);
    expect(cache.lookup(short)).toBeUndefined();
    expect(cache.lookup(long)).toBeDefined();
    cache.invalidate(1, '/long');
    expect(cache.lookup(long)).toBeUndefined();
    const again = fill(cache, '/again', head('a'), 3);
    cache.configure(config());
    expect(cache.lookup(again)).toBeUndefined();
    expect(cache.counters.uriCacheFlushes).toBeGreaterThanOrEqual(2);
    cache.close();
  });

  it('evicts the least recently used entries past maxCacheSize', () => {
    const cache = new ResponseCache();
    cache.configure(config({ maxCacheSize: 1, maxResponseSize: 262144 }));
    const body = 'x'.repeat(200_000);
    const keys = ['/1', '/2', '/3', '/4', '/5', '/6'].map((p) => fill(cache, p, head(body)));
    expect(cache.counters.uriCacheBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.lookup(keys[0]!)).toBeUndefined();
    expect(cache.lookup(keys[5]!)).toBeDefined();
    cache.close();
  });
});
