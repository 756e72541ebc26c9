import { describe, expect, it } from 'vitest';
import { parseAccessSslFlags, wantsClientCertificates } from './access-ssl-flags.js';
import type { ConfigError } from './config-error.js';
import { effectiveWebServer } from './effective-web-server.js';
import { validateConfig } from './load-config.js';

const access = (sslFlags: string) => ({ security: { access: { sslFlags } } });

const app = (path: string, webServer?: object) => ({
  path,
  applicationPool: 'P',
  virtualDirectories: [{ path: '/', physicalPath: `/srv${path}` }],
  ...(webServer ? { webServer } : {}),
});

const site = (id: number, applications: object[], webServer?: object) => ({
  name: `S${id}`,
  id,
  bindings: [{ bindingInformation: `*:${8000 + id}:` }],
  applications,
  ...(webServer ? { webServer } : {}),
});

const config = (sites: object[], webServer: object = {}) =>
  validateConfig({ applicationPools: [{ name: 'P' }], webServer, sites }, { source: 'test', baseDir: '/' });

describe('security/access@sslFlags', () => {
  it('defaults to None, and a site or an application sets its own', () => {
    const c = config([site(1, [app('/'), app('/secure', access('Ssl, SslRequireCert'))], access('Ssl'))]);
    expect(c.webServer.security.access.sslFlags).toBe('None');
    expect(effectiveWebServer(c, 1, '/').security.access.sslFlags).toBe('Ssl');
    expect(effectiveWebServer(c, 1, '/secure').security.access.sslFlags).toBe('Ssl, SslRequireCert');
  });

  it('refuses a flag IIS does not have, naming the setting', () => {
    let error: ConfigError | undefined;
    try {
      config([site(1, [app('/')])], access('Ssl, RequireCert'));
    } catch (thrown) {
      error = thrown as ConfigError;
    }
    expect(error?.issues.map((i) => i.pointer)).toEqual(['/webServer/security/access/sslFlags']);
  });

  it('parses the comma list into flags, ignoring case and spaces', () => {
    expect(parseAccessSslFlags('None')).toEqual({
      ssl: false,
      ssl128: false,
      negotiateCert: false,
      requireCert: false,
    });
    expect(parseAccessSslFlags(' ssl ,Ssl128, SslNegotiateCert,SslRequireCert')).toEqual({
      ssl: true,
      ssl128: true,
      negotiateCert: true,
      requireCert: true,
    });
  });
});

describe('wantsClientCertificates', () => {
  const c = config([
    site(1, [app('/')]),
    site(2, [app('/'), app('/certs', access('Ssl, SslNegotiateCert'))]),
    site(3, [app('/')], access('SslRequireCert')),
  ]);

  it('is true for the sites where some application negotiates or requires a certificate', () => {
    expect(wantsClientCertificates(c, [1])).toBe(false);
    expect(wantsClientCertificates(c, [2])).toBe(true);
    expect(wantsClientCertificates(c, [3])).toBe(true);
    expect(wantsClientCertificates(c, [1, 3])).toBe(true);
    expect(wantsClientCertificates(c)).toBe(true);
    expect(wantsClientCertificates(c, [])).toBe(false);
  });

  it('follows the server-level setting, unless a site or application sets None', () => {
    const server = config(
      [site(1, [app('/')]), site(2, [app('/')], access('None'))],
      access('SslNegotiateCert'),
    );
    expect(wantsClientCertificates(server, [1])).toBe(true);
    expect(wantsClientCertificates(server, [2])).toBe(false);
    expect(wantsClientCertificates(config([site(1, [app('/')])], access('Ssl')))).toBe(false);
  });
});
