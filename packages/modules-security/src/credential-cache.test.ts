import { describe, expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.js';

const user = (name: string) => ({ name, authType: 'Basic', roles: [] });

describe('CredentialCache', () => {
  it('keys by a hash of the header, never the header itself', () => {
    const key = CredentialCache.keyOf('Basic YWxpY2U6czNjcmV0');
    expect(key).not.toContain('YWxpY2U6czNjcmV0');
    expect(key).toBe(CredentialCache.keyOf('Basic YWxpY2U6czNjcmV0'));
    expect(key).not.toBe(CredentialCache.keyOf('Basic YWxpY2U6czNjcmV1'));
  });

  it('forgets an entry after its time to live', () => {
    let now = 1000;
    const cache = new CredentialCache(10, 60_000, () => now);
    cache.set('k', user('alice'));
    now += 59_999;
    expect(cache.get('k')?.name).toBe('alice');
    now += 1;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, evicting the oldest', () => {
    const cache = new CredentialCache(2, 60_000);
    cache.set('a', user('a'));
    cache.set('b', user('b'));
    cache.set('a', user('a')); // refreshed: b is now the oldest
    cache.set('c', user('c'));
    expect([cache.get('a')?.name, cache.get('b'), cache.get('c')?.name]).toEqual(['a', undefined, 'c']);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
