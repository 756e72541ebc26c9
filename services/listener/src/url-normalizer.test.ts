import { describe, expect, it } from 'vitest';
import { normalizeUrl } from './url-normalizer.js';

describe('normalizeUrl', () => {
  it.each([
    ['/', '/', ''],
    ['/a/b.html?x=1&y', '/a/b.html', 'x=1&y'],
    ['/a/./b/../c/', '/a/c/', ''],
    ['/a%20b/%C3%A9.txt', '/a b/é.txt', ''],
    ['/a\\b\\c.txt', '/a/b/c.txt', ''],
    ['/docs/..', '/', ''],
    ['http://example.com/x?q', '/x', 'q'],
    ['//double//slash/', '/double/slash/', ''],
  ])('%s → %s', (raw, path, query) => {
    expect(normalizeUrl(raw)).toEqual({ path, query });
  });

  it.each(['/../etc/passwd', '/%2e%2e/x', '/a/%2e%2e/%2e%2e/x', '/a%00b', '/%E0%A4%A', '*', 'relative'])(
    'refuses %s',
    (raw) => {
      expect(normalizeUrl(raw)).toBeUndefined();
    },
  );
});
