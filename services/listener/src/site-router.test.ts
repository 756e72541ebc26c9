import { describe, expect, it } from 'vitest';
import { validateConfig } from '@w3pool/config';
import { SiteRouter } from './site-router.js';

const vdir = [{ path: '/', physicalPath: '/srv' }];
const config = validateConfig(
  {
    applicationPools: [{ name: 'A' }, { name: 'B' }, { name: 'C' }],
    sites: [
      {
        name: 'any',
        id: 1,
        bindings: [{ bindingInformation: '*:8080:' }],
        applications: [{ path: '/', applicationPool: 'A', virtualDirectories: vdir }],
      },
      {
        name: 'named',
        id: 2,
        bindings: [{ bindingInformation: '*:8080:www.contoso.com' }],
        applications: [
          { path: '/', applicationPool: 'A', virtualDirectories: vdir },
          { path: '/api', applicationPool: 'B', virtualDirectories: vdir },
          { path: '/api/v2', applicationPool: 'C', virtualDirectories: vdir },
        ],
      },
      {
        name: 'ip',
        id: 3,
        bindings: [{ bindingInformation: '10.0.0.5:8080:' }],
        applications: [{ path: '/', applicationPool: 'B', virtualDirectories: vdir }],
      },
      {
        name: 'other-port',
        id: 4,
        bindings: [{ bindingInformation: '127.0.0.1:9090:only.example' }],
        applications: [{ path: '/', applicationPool: 'C', virtualDirectories: vdir }],
      },
    ],
  },
  { source: 'test', baseDir: '/' },
);
const router = new SiteRouter(config);
const route = (address: string, port: number, host: string | undefined, path: string) => {
  const r = router.route(address, port, host, path);
  return r && `${r.site.name}${r.application.path}→${r.application.applicationPool}`;
};

describe('SiteRouter', () => {
  it('prefers an explicit host binding over a wildcard one', () => {
    expect(route('127.0.0.1', 8080, 'www.contoso.com', '/')).toBe('named/→A');
    expect(route('127.0.0.1', 8080, 'WWW.Contoso.com:8080', '/')).toBe('named/→A');
    expect(route('127.0.0.1', 8080, 'elsewhere', '/')).toBe('any/→A');
  });

  it('prefers an IP-bound binding over an all-addresses one', () => {
    expect(route('10.0.0.5', 8080, 'elsewhere', '/')).toBe('ip/→B');
    expect(route('::ffff:10.0.0.5', 8080, undefined, '/')).toBe('ip/→B');
  });

  it('routes to the application with the longest matching virtual path', () => {
    expect(route('127.0.0.1', 8080, 'www.contoso.com', '/api/v2/items')).toBe('named/api/v2→C');
    expect(route('127.0.0.1', 8080, 'www.contoso.com', '/API/x')).toBe('named/api→B');
    expect(route('127.0.0.1', 8080, 'www.contoso.com', '/apiary')).toBe('named/→A');
  });

  it('carries the site connectionTimeout as the queue deadline, compiled once', () => {
    expect(router.route('127.0.0.1', 8080, 'www.contoso.com', '/')?.queueTimeoutMs).toBe(120_000);
    expect(router.route('127.0.0.1', 8080, 'www.contoso.com', '/')?.bodyTimeoutMs).toBe(120_000);
  });

  it('finds no site for an unbound port or host', () => {
    expect(route('127.0.0.1', 8081, 'www.contoso.com', '/')).toBeUndefined();
    expect(route('127.0.0.1', 9090, 'not.example', '/')).toBeUndefined();
    expect(route('10.0.0.9', 9090, 'only.example', '/')).toBeUndefined();
  });

  it('listens once per port when a wildcard binding covers it', () => {
    expect(router.endpoints()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ host: undefined, port: 8080, secure: false, bindings: [] }),
        expect.objectContaining({ host: '127.0.0.1', port: 9090, secure: false }),
      ]),
    );
    expect(router.endpoints()).toHaveLength(2);
  });
});

describe('SiteRouter endpoints', () => {
  it('makes a socket https or http by the bindings on its address, with the https bindings it serves', () => {
    const router = new SiteRouter(
      validateConfig(
        {
          applicationPools: [{ name: 'A' }],
          sites: [
            {
              name: 'plain',
              id: 1,
              bindings: [{ bindingInformation: '127.0.0.1:8443:' }],
              applications: [{ path: '/', applicationPool: 'A', virtualDirectories: vdir }],
            },
            {
              name: 'secure',
              id: 2,
              bindings: [
                {
                  protocol: 'https',
                  bindingInformation: '127.0.0.2:8443:a.test',
                  sslFlags: 1,
                  certificateFile: 'a.pem',
                },
              ],
              applications: [{ path: '/', applicationPool: 'A', virtualDirectories: vdir }],
            },
          ],
        },
        { source: 'test', baseDir: '/', readCertificates: false },
      ),
    );
    const endpoints = router.endpoints();
    expect(endpoints).toHaveLength(2);
    expect(endpoints.find((e) => e.host === '127.0.0.1')).toMatchObject({ secure: false, bindings: [] });
    const secure = endpoints.find((e) => e.host === '127.0.0.2');
    expect(secure).toMatchObject({ secure: true, port: 8443 });
    expect(secure?.bindings.map((b) => [b.site.name, b.host])).toEqual([['secure', 'a.test']]);
  });
});
