import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { validateConfig, type W3poolConfig } from '@w3pool/config';
import { siteConfig } from '@w3pool/test/helpers';
import type { ResponseHead } from '@w3pool/protocol';
import { codingToken, varyCovered } from './cache-variation.js';
import { ResponseCache } from './response-cache.js';

const config = (webServer: Record<string, unknown> = {}): W3poolConfig =>
  validateConfig({ ...siteConfig(80, '/srv'), webServer }, { source: 'test', baseDir: '/' });

const request = (headers: Record<string, string> = {}) =>
  ({ method: 'GET', headers }) as unknown as IncomingMessage;

const head = (headers: Record<string, string>, cacheMs = 60_000): ResponseHead => ({
  t: 'head',
  id: 'x',
  status: 200,
  substatus: 0,
  headers: { 'content-type': 'text/plain', ...headers },
  body: Buffer.from('body'),
  final: true,
  worker: { pool: 'P', pid: 1, control: 'w' },
  cacheMs,
});

function cacheFor(loaded: W3poolConfig) {
  const cache = new ResponseCache();
  cache.configure(loaded);
  const app = loaded.sites[0]!.applications[0]!;
  const key = (path: string, query = '', headers: Record<string, string> = {}) =>
    cache.keyFor(request(headers), 1, path, query, app);
  return { cache, key };
}

const noCompression = { urlCompression: { doStaticCompression: false, doDynamicCompression: false } };
const profile = {
  extension: '.dyn',
  kernelCachePolicy: 'CacheForTimePeriod',
  varyByQueryString: 'lang, Page',
  varyByHeaders: 'X-Tenant',
};

describe('cache variation', () => {
  it('keeps the plain key for an application where nothing varies', () => {
    const { cache, key } = cacheFor(config(noCompression));
    expect(key('/a.html', '', { 'accept-encoding': 'gzip' })).toBe('1\n/a.html');
    expect(key('/a.html', 'x=1')).toBeUndefined();
    cache.close();
  });

  it('keys a profile’s URLs on its query parameters (others ignored) and its headers', () => {
    const { cache, key } = cacheFor(config({ ...noCompression, caching: { profiles: [profile] } }));
    expect(key('/a.dyn', 'utm=1&lang=de&page=2', { 'x-tenant': 'blue' })).toBe(
      '1\n/a.dyn?lang=de&page=2\nx-tenant=blue',
    );
    expect(key('/a.dyn', 'lang=de&utm=2&page=2', { 'x-tenant': 'blue' })).toBe(
      key('/a.dyn', 'lang=de&page=2', { 'x-tenant': 'blue' }),
    );
    expect(key('/a.dyn', 'lang=fr')).toBe('1\n/a.dyn?lang=fr\nx-tenant=');
    // Other extensions of the same application keep the plain rules: no query string without cacheQueryStrings.
    expect(key('/a.html', 'lang=de')).toBeUndefined();
    expect(key('/a.html')).toBe('1\n/a.html');
    cache.close();
  });

  it('keys the whole query for varyByQueryString *', () => {
    const star = { ...profile, varyByQueryString: '*', varyByHeaders: '' };
    const { cache, key } = cacheFor(config({ ...noCompression, caching: { profiles: [star] } }));
    expect(key('/a.dyn', 'b=2&a=1')).toBe('1\n/a.dyn?b=2&a=1');
    cache.close();
  });

  it('keys on the codings a client accepts where a compression module may compress', () => {
    const { cache, key } = cacheFor(config());
    expect(key('/a.css', '', { 'accept-encoding': 'gzip, deflate, br' })).toBe(
      '1\n/a.css\naccept-encoding=br:1,gzip:1',
    );
    expect(key('/a.css', '', { 'accept-encoding': 'br, gzip' })).toBe(
      key('/a.css', '', { 'accept-encoding': 'gzip, br' }),
    );
    expect(key('/a.css', '', { 'accept-encoding': 'gzip;q=0' })).toBe('1\n/a.css');
    expect(key('/a.css', '', { 'accept-encoding': 'identity' })).toBe('1\n/a.css');
    expect(key('/a.css')).toBe('1\n/a.css');
    cache.close();
  });

  it('reads q-values the way the worker negotiates them', () => {
    expect(codingToken('gzip;q=0.5, x-gzip;q=0.7, *;q=0.2')).toBe('br:0.2,gzip:0.7');
    expect(codingToken('*;q=0')).toBe('');
    expect(codingToken('gzip;q=5, br')).toBe('br:1');
  });

  it('keeps a response with Vary only when its key separates what it varies on', () => {
    expect(varyCovered('1\n/a\naccept-encoding=gzip:1', 'Accept-Encoding')).toBe(true);
    expect(varyCovered('1\n/a\naccept-encoding=gzip:1', ['accept-encoding', 'Cookie'])).toBe(false);
    expect(varyCovered('1\n/a', '*')).toBe(false);

    const { cache, key } = cacheFor(config());
    const gzipKey = key('/a.css', '', { 'accept-encoding': 'gzip' })!;
    const plainKey = key('/a.css')!;
    for (const k of [gzipKey, plainKey, gzipKey, plainKey]) cache.lookup(k);
    cache.store(gzipKey, 'GET', 1, '/a.css', head({ 'content-encoding': 'gzip', vary: 'Accept-Encoding' }));
    cache.store(plainKey, 'GET', 1, '/a.css', head({ vary: 'Accept-Encoding' }));
    expect(cache.lookup(gzipKey)?.headers['content-encoding']).toBe('gzip');
    expect(cache.lookup(plainKey)).toBeUndefined();
    // Both variants of the URL go when its file changes.
    cache.invalidate(1, '/a.css');
    expect(cache.lookup(gzipKey)).toBeUndefined();
    cache.close();
  });

  it('does not keep a response whose lifetime is zero (DisableCache)', () => {
    const { cache, key } = cacheFor(config(noCompression));
    const k = key('/a.html')!;
    cache.lookup(k);
    cache.lookup(k);
    cache.store(k, 'GET', 1, '/a.html', head({}, 0));
    expect(cache.lookup(k)).toBeUndefined();
    cache.close();
  });
});
