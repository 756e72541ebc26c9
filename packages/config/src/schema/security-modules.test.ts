import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../config-error.js';
import { effectiveWebServer } from '../effective-web-server.js';
import { validateConfig } from '../load-config.js';

const HASH = '$2b$04$' + 'a'.repeat(53);

function configWith(webServer: Record<string, unknown>, site: Record<string, unknown> = {}) {
  return {
    applicationPools: [{ name: 'P' }],
    webServer,
    sites: [
      {
        name: 'S',
        id: 1,
        bindings: [{ bindingInformation: '*:80:' }],
        ...site,
        applications: [
          { path: '/', applicationPool: 'P', virtualDirectories: [{ path: '/', physicalPath: '/srv' }] },
        ],
      },
    ],
  };
}

function issues(raw: unknown): readonly { pointer: string; reason: string }[] {
  try {
    validateConfig(raw, { source: 'test', baseDir: '/etc/w3pool' });
  } catch (error) {
    return (error as ConfigError).issues;
  }
  return [];
}

describe('the security modules’ sections', () => {
  it('have IIS’s defaults: anonymous on, Basic off, Allow `*`, no headers, no redirect', () => {
    const { webServer } = validateConfig(configWith({}), { source: 'test', baseDir: '/' });
    expect(webServer.security.authentication).toEqual({
      anonymousAuthentication: { enabled: true },
      basicAuthentication: { enabled: false, realm: '', defaultLogonDomain: '', users: [], usersFile: '' },
    });
    expect(webServer.security.authorization.rules).toEqual([
      { accessType: 'Allow', users: '*', roles: '', verbs: '' },
    ]);
    expect(webServer.httpProtocol).toEqual({ allowKeepAlive: true, customHeaders: [], redirectHeaders: [] });
    expect(webServer.httpRedirect).toEqual({
      enabled: false,
      destination: '',
      exactDestination: false,
      childOnly: false,
      httpResponseStatus: 'Found',
    });
    expect(webServer.requestFiltering).toMatchObject({
      unescapeQueryString: true,
      denyQueryStringSequences: [],
      alwaysAllowedUrls: [],
      alwaysAllowedQueryStrings: [],
      filteringRules: [],
      requestLimits: { headerLimits: [] },
    });
    expect(webServer.modules.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'RequestFilteringModule',
        'HttpRedirectionModule',
        'BasicAuthenticationModule',
        'AnonymousAuthenticationModule',
        'UrlAuthorizationModule',
        'CustomHeaderModule',
      ]),
    );
  });

  it('fills the defaults of each kind of collection entry', () => {
    const { webServer } = validateConfig(
      configWith({
        security: {
          authentication: { basicAuthentication: { users: [{ name: 'a', passwordHash: HASH }] } },
          authorization: {
            rules: [{ accessType: 'Deny', users: '?' }, { remove: { users: '*' } }, { clear: true }],
          },
        },
        requestFiltering: { filteringRules: [{ name: 'r', denyStrings: ['x'] }] },
      }),
      { source: 'test', baseDir: '/' },
    );
    expect(webServer.security.authentication.basicAuthentication.users).toEqual([
      { name: 'a', passwordHash: HASH, roles: [] },
    ]);
    expect(webServer.security.authorization.rules).toEqual([
      { accessType: 'Deny', users: '?', roles: '', verbs: '' },
      { remove: { users: '*', roles: '', verbs: '' } },
      { clear: true },
    ]);
    expect(webServer.requestFiltering.filteringRules[0]).toEqual({
      name: 'r',
      scanUrl: false,
      scanQueryString: false,
      scanAllRaw: false,
      scanHeaders: [],
      appliesTo: [],
      denyStrings: ['x'],
    });
  });

  it('refuses a password that is not a bcrypt hash, a header value with a line break, an unknown status', () => {
    const found = issues(
      configWith({
        security: {
          authentication: { basicAuthentication: { users: [{ name: 'a', passwordHash: 'secret' }] } },
        },
        httpProtocol: { customHeaders: [{ name: 'X-A', value: 'a\r\nSet-Cookie: x=1' }] },
        httpRedirect: { httpResponseStatus: 'SeeOther' },
      }),
    );
    expect(found.map((i) => i.pointer)).toEqual(
      expect.arrayContaining([
        '/webServer/security/authentication/basicAuthentication/users/0/passwordHash',
        '/webServer/httpProtocol/customHeaders/0',
        '/webServer/httpRedirect/httpResponseStatus',
      ]),
    );
    expect(found.find((i) => i.pointer === '/webServer/httpRedirect/httpResponseStatus')?.reason).toContain(
      'Expected one of Found, Permanent, Temporary, PermRedirect',
    );
    // A password put where its hash belongs is never echoed back into a log.
    const hash = found.find((i) => i.pointer.endsWith('/passwordHash'))?.reason;
    expect(hash).toContain('Expected a bcrypt hash');
    expect(hash).not.toContain('secret');
  });

  it('resolves a relative usersFile against the configuration file’s folder', () => {
    const config = validateConfig(
      configWith(
        { security: { authentication: { basicAuthentication: { usersFile: 'users.json' } } } },
        {
          webServer: {
            security: { authentication: { basicAuthentication: { usersFile: './site-users.json' } } },
          },
        },
      ),
      { source: 'test', baseDir: '/etc/w3pool' },
    );
    expect(config.webServer.security.authentication.basicAuthentication.usersFile).toBe(
      '/etc/w3pool/users.json',
    );
    expect(effectiveWebServer(config, 1, '/').security.authentication.basicAuthentication.usersFile).toBe(
      '/etc/w3pool/site-users.json',
    );
  });

  it('appends a site’s authorization rules and headers to the server’s', () => {
    const config = validateConfig(
      configWith(
        { httpProtocol: { customHeaders: [{ name: 'X-A', value: '1' }] } },
        {
          webServer: {
            httpProtocol: { customHeaders: [{ remove: 'X-A' }] },
            security: { authorization: { rules: [{ accessType: 'Deny', users: '?' }] } },
          },
        },
      ),
      { source: 'test', baseDir: '/' },
    );
    const merged = effectiveWebServer(config, 1, '/');
    expect(merged.httpProtocol.customHeaders).toEqual([{ name: 'X-A', value: '1' }, { remove: 'X-A' }]);
    expect(merged.security.authorization.rules.map((r) => ('accessType' in r ? r.accessType : '?'))).toEqual([
      'Allow',
      'Deny',
    ]);
  });
});
