import { describe, expect, it } from 'vitest';
import { effectivePolicy, extensionOf, locationCacheControl, type CachingProfile } from './cache-profiles.js';
import { httpCacheModule } from './http-cache-module.js';
import { ModuleHarness, webServerWith, type HarnessRequest } from './pipeline-harness.js';

const profile = (overrides: Partial<CachingProfile>): CachingProfile => ({
  extension: '.dyn',
  policy: 'DontCache',
  kernelCachePolicy: 'DontCache',
  duration: '00:00:30',
  location: 'Any',
  varyByHeaders: '',
  varyByQueryString: '',
  ...overrides,
});

async function serve(
  profiles: Partial<CachingProfile>[],
  request: HarnessRequest = { path: '/page.dyn', physicalPath: '/srv/page.dyn' },
  respond = async (h: ModuleHarness) => {
    h.response.setHeader('content-type', 'text/plain');
    await h.response.end('made');
  },
  caching: Record<string, unknown> = {},
): Promise<ModuleHarness> {
  const webServer = webServerWith({ caching: { ...caching, profiles: profiles.map(profile) } });
  const h = await ModuleHarness.start([httpCacheModule], webServer, request);
  await respond(h);
  return h;
}

describe('HttpCacheModule', () => {
  it('keeps CacheUntilChange responses until the mapped file changes', async () => {
    const h = await serve([{ kernelCachePolicy: 'CacheUntilChange' }]);
    expect(h.response.sent!.kernelCache).toEqual({ dependsOnFile: '/srv/page.dyn' });
    expect(h.response.sent!.headers['cache-control']).toBe('public');
  });

  it('keeps CacheForTimePeriod responses for the profile’s duration', async () => {
    const h = await serve([{ policy: 'CacheForTimePeriod', duration: '00:01:30' }]);
    expect(h.response.sent!.kernelCache).toEqual({ maxAgeMs: 90_000 });
  });

  it('keeps DisableCache responses out, whatever the handler asked', async () => {
    const h = await serve(
      [{ policy: 'CacheForTimePeriod', kernelCachePolicy: 'DisableCache' }],
      undefined,
      async (r) => {
        r.response.setKernelCache({ dependsOnFile: '/srv/page.dyn' });
        await r.response.end('made');
      },
    );
    expect(h.response.sent!.kernelCache).toEqual({ maxAgeMs: 0 });
  });

  it('leaves the handler’s own choice under DontCache, and leaves other extensions, errors and POSTs alone', async () => {
    const own = await serve([{}], undefined, async (r) => {
      r.response.setKernelCache({ maxAgeMs: 5 });
      await r.response.end('made');
    });
    expect(own.response.sent!.kernelCache).toEqual({ maxAgeMs: 5 });
    const cached = [{ kernelCachePolicy: 'CacheForTimePeriod' as const }];
    const other = await serve(cached, { path: '/page.other' });
    expect(other.response.sent!.kernelCache).toBeUndefined();
    const post = await serve(cached, { method: 'POST', path: '/page.dyn' });
    expect(post.response.sent!.kernelCache).toBeUndefined();
    const missing = await serve(cached, undefined, async (r) => {
      r.response.status(404);
      await r.response.end('no');
    });
    expect(missing.response.sent!.kernelCache).toBeUndefined();
  });

  it('keeps a handler’s Cache-Control, and names the location’s otherwise', async () => {
    const h = await serve(
      [{ kernelCachePolicy: 'CacheUntilChange', location: 'Client' }],
      undefined,
      async (r) => {
        r.response.setHeader('cache-control', 'max-age=5');
        await r.response.end('made');
      },
    );
    expect(h.response.sent!.headers['cache-control']).toBe('max-age=5');
    expect(
      ['Any', 'Downstream', 'Client', 'ServerAndClient', 'Server', 'None'].map((l) =>
        locationCacheControl(l as CachingProfile['location']),
      ),
    ).toEqual(['public', 'public', 'private', 'private', 'no-cache', 'no-cache']);
  });

  it('subscribes to nothing without profiles or with caching disabled', async () => {
    expect((await serve([])).subscribed('SendResponse')).toBe(false);
    const disabled = await serve([{ kernelCachePolicy: 'CacheUntilChange' }], undefined, undefined, {
      enabled: false,
    });
    expect(disabled.subscribed('SendResponse')).toBe(false);
  });

  it('combines policy and kernelCachePolicy into the one listener cache', () => {
    expect(effectivePolicy(profile({ policy: 'CacheUntilChange' }), true)).toBe('CacheUntilChange');
    expect(
      effectivePolicy(profile({ policy: 'CacheUntilChange', kernelCachePolicy: 'CacheForTimePeriod' }), true),
    ).toBe('CacheForTimePeriod');
    expect(effectivePolicy(profile({ kernelCachePolicy: 'CacheForTimePeriod' }), false)).toBe('DontCache');
    expect(
      effectivePolicy(profile({ policy: 'DisableCache', kernelCachePolicy: 'CacheUntilChange' }), true),
    ).toBe('DisableCache');
  });

  it('reads the extension of the last path segment only', () => {
    expect([
      extensionOf('/a/b.DYN'),
      extensionOf('/a.d/b'),
      extensionOf('/'),
      extensionOf('/x.tar.gz'),
    ]).toEqual(['.dyn', '', '', '.gz']);
  });
});
