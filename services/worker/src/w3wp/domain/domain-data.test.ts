import { describe, expect, it } from 'vitest';
import { domainData } from './domain-data.js';

describe('domainData', () => {
  const good = {
    redisUrl: 'redis://127.0.0.1:6379',
    pool: 'P',
    siteId: 1,
    appPath: '/',
    consumerId: 'w-1-1-abcd.1',
    capacity: 16,
    published: { version: 1 },
  };

  it('accepts what the main thread gives a domain, and names what is missing otherwise', () => {
    expect(domainData(good)).toBe(good);
    expect(() => domainData(undefined)).toThrow(/not an object/);
    expect(() => domainData({ ...good, consumerId: '' })).toThrow(/consumerId/);
    expect(() => domainData({ ...good, capacity: 0 })).toThrow(/capacity/);
    expect(() => domainData({ ...good, published: null })).toThrow(/configuration/);
  });
});
