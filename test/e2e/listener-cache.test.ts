import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

interface ListenerCounters {
  uriCacheHits: number;
  uriCacheMisses: number;
  uriCacheFlushes: number;
  uriCacheEntries: number;
}

// The listener's response cache (http.sys's kernel cache): frequently hit, cacheable GET responses are served
// from the listener's memory with no Redis round trip, and dropped when their file changes.
describe('listener response cache', () => {
  let system: RunningSystem;
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3pool-cache-site-'));
    await writeFile(join(root, 'page.html'), '<p>version 1</p>');
    system = await startSystem({
      config: ([port]) => ({ ...siteConfig(port!, root), webServer: { handlers: testHandlers() } }),
    });
  });
  afterAll(async () => {
    await system?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    httpRequest(`${system.baseUrl}${path}`, { headers });
  const counters = async (): Promise<ListenerCounters> => {
    const listeners = JSON.parse(
      (await httpRequest(`${system.wasUrl}/api/listeners`, { headers: system.adminHeaders() })).body,
    ) as ListenerCounters[];
    expect(listeners).toHaveLength(1);
    return listeners[0]!;
  };

  it('keeps a public response after it is hit twice, and serves it without a worker round trip', async () => {
    const first = await get('/public.test');
    const second = await get('/public.test');
    expect(second.body).not.toBe(first.body); // neither came from the cache: the URL was not yet frequent
    const third = await get('/public.test');
    expect(third.body).toBe(second.body);
    expect(third.headers['cache-control']).toBe('public, max-age=60');
    await eventually(
      async () => ((await counters()).uriCacheHits >= 1 ? true : undefined),
      'a cache hit counted',
    );
  });

  it('bypasses the cache for Authorization, Range and query strings', async () => {
    const cached = (await get('/public.test')).body;
    expect((await get('/public.test', { authorization: 'Basic dTpw' })).body).not.toBe(cached);
    expect((await get('/public.test', { range: 'bytes=0-3' })).body).not.toBe(cached);
    expect((await get('/public.test?x=1')).body).not.toBe(cached);
  });

  it('answers a conditional GET from the cache with 304', async () => {
    await get('/page.html');
    const full = await get('/page.html');
    const revalidated = await get('/page.html', { 'if-none-match': String(full.headers.etag) });
    expect(revalidated.status).toBe(304);
  });

  it('drops an entry when its file changes, and serves cached entries while the worker is gone', async () => {
    expect((await get('/page.html')).body).toBe('<p>version 1</p>');
    await writeFile(join(root, 'page.html'), '<p>version 2</p>');
    await eventually(
      async () => ((await get('/page.html')).body.includes('version 2') ? true : undefined),
      'the new version',
    );
    await get('/page.html');
    await get('/page.html');
    await eventually(
      async () => ((await counters()).uriCacheFlushes >= 1 ? true : undefined),
      'a flush counted',
    );

    const before = (await counters()).uriCacheHits;
    const producedBy = (await get('/page.html')).headers['x-w3pool-worker'];
    await system.worker.stop('SIGKILL');
    const served = await get('/page.html', {});
    expect(served.status).toBe(200);
    expect(served.body).toBe('<p>version 2</p>');
    expect(served.headers['x-w3pool-worker']).toBe(producedBy);
    await eventually(async () => ((await counters()).uriCacheHits > before ? true : undefined), 'hits grow');
    const { uriCacheMisses, uriCacheEntries } = await counters();
    expect(uriCacheMisses).toBeGreaterThan(0);
    expect(uriCacheEntries).toBeGreaterThan(0);
  });
});
