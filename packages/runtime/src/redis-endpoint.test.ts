import { describe, expect, it } from 'vitest';
import { describeRedisEndpoint, parseRedisEndpoint } from './redis-endpoint.js';

describe('parseRedisEndpoint', () => {
  it('takes redis:// and rediss:// as one Redis, as ioredis reads them', () => {
    expect(parseRedisEndpoint('redis://10.0.0.5:6380/2')).toEqual({
      kind: 'single',
      url: 'redis://10.0.0.5:6380/2',
    });
    expect(parseRedisEndpoint('rediss://:pw@cache:6380').kind).toBe('single');
  });

  it('reads a Sentinel group: hosts, master name, db and credentials', () => {
    expect(
      parseRedisEndpoint(
        'redis+sentinel://app:s%40cret@10.0.0.1:26379,10.0.0.2,[::1]:26380/mymaster/3?sentinelPassword=sp',
      ),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'mymaster',
      db: 3,
      username: 'app',
      password: 's@cret',
      sentinelPassword: 'sp',
    });
    expect(parseRedisEndpoint('redis+sentinel://s1:26379/m')).toMatchObject({ masterName: 'm', db: 0 });
  });

  it('refuses what it cannot read, with the catalogue code and the reason, and no password', () => {
    const cases: Array<[string, RegExp]> = [
      ['redis+sentinel://:pw@s1:26379', /names no master/],
      ['redis+sentinel://s1:26379/m/x', /is not <master name>\[\/db\]/],
      ['redis+sentinel://s1:99999/m', /out of range/],
      ['redis+sentinel://s1:2a/m', /is not host:port/],
      ['memcached://h:1', /scheme memcached:\/\/ is not one of/],
      ['127.0.0.1:6379', /not a URL/],
    ];
    for (const [url, reason] of cases) {
      let error: unknown;
      try {
        parseRedisEndpoint(url);
      } catch (caught) {
        error = caught;
      }
      expect(error, url).toMatchObject({
        code: 'CONFIG_REDIS_URL_INVALID',
        message: expect.stringMatching(reason),
      });
      expect(String((error as Error).message)).not.toContain('pw');
    }
  });

  it('hides the password when it describes an endpoint', () => {
    expect(describeRedisEndpoint('redis+sentinel://app:secret@s1,s2/m')).toBe(
      'redis+sentinel://app:***@s1,s2/m',
    );
    expect(describeRedisEndpoint('redis://:secret@h:6379')).toBe('redis://:***@h:6379');
    expect(describeRedisEndpoint('redis://h:6379')).toBe('redis://h:6379');
  });
});
