import { describe, expect, it } from 'vitest';
import { validateConfig } from '@w3pool/config';
import { RequestFilter } from './request-filter.js';
import { normalizeUrl } from './url-normalizer.js';

const config = validateConfig(
  {
    applicationPools: [{ name: 'A' }],
    sites: [
      {
        name: 's',
        id: 1,
        limits: { maxUrlSegments: 4 },
        bindings: [{ bindingInformation: '*:8080:' }],
        applications: [
          { path: '/', applicationPool: 'A', virtualDirectories: [{ path: '/', physicalPath: '/srv' }] },
        ],
      },
    ],
    webServer: { requestFiltering: { verbs: { list: [{ verb: 'TRACE', allowed: false }] } } },
  },
  { source: 'test', baseDir: '/' },
);
const filter = new RequestFilter(config);
const check = (rawUrl: string, method = 'GET') =>
  filter.check(method, rawUrl, normalizeUrl(rawUrl)!, config.sites[0]!);

// IIS's RequestFilteringModule, rule by rule and in its order.
describe('RequestFilter', () => {
  it('lets an ordinary request through', () => {
    expect(check('/a/b/page.html?x=1')).toBeUndefined();
  });

  it('denies hidden segments whatever their case, and only whole segments', () => {
    expect(check('/BIN/app.dll')).toBe('LISTENER_HIDDEN_SEGMENT');
    expect(check('/x/Web.Config')).toBe('LISTENER_HIDDEN_SEGMENT');
    expect(check('/binder/a.html')).toBeUndefined();
    expect(check('/a/.GIT')).toBe('LISTENER_HIDDEN_SEGMENT');
    expect(check('/a.bin/web.config.txt')).toBeUndefined();
  });

  it('counts segments before it looks for hidden ones (404.20 before 404.8)', () => {
    expect(check('/a/b/c/d/e.html')).toBe('LISTENER_TOO_MANY_SEGMENTS');
    expect(check('/a/b/c/bin/e.html')).toBe('LISTENER_TOO_MANY_SEGMENTS');
    expect(check('/a/b/c/e.html')).toBeUndefined();
  });

  it('judges the extension of the last segment only, case-insensitively', () => {
    expect(check('/site.CS')).toBe('LISTENER_EXTENSION_DENIED');
    expect(check('/site.cs/page.html')).toBeUndefined();
    expect(check('/dir/')).toBeUndefined();
    expect(check('/site.cs/')).toBe('LISTENER_EXTENSION_DENIED');
    expect(check('/a.b/c')).toBeUndefined();
  });

  it('denies a verb listed as not allowed', () => {
    expect(check('/a.html', 'TRACE')).toBe('LISTENER_VERB_DENIED');
  });
});
