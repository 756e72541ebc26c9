import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config-error.js';
import { validateConfig } from '../load-config.js';

const config = (
  server: Record<string, unknown>,
  site?: Record<string, unknown>,
  app?: Record<string, unknown>,
) => ({
  applicationPools: [{ name: 'P' }],
  sites: [
    {
      name: 'S',
      id: 1,
      bindings: [{ bindingInformation: '*:80:' }],
      applications: [
        { path: '/', applicationPool: 'P', virtualDirectories: [{ path: '/', physicalPath: 'www' }] },
        {
          path: '/app',
          applicationPool: 'P',
          virtualDirectories: [{ path: '/', physicalPath: '/srv/app-root' }],
          ...(app ? { webServer: { httpErrors: app } } : {}),
        },
      ],
      ...(site ? { webServer: { httpErrors: site } } : {}),
    },
  ],
  webServer: { httpErrors: server },
});

const load = (raw: unknown) => validateConfig(raw, { source: 'test.yaml', baseDir: '/etc/w3pool' });

describe('httpErrors paths', () => {
  it('fills IIS’s defaults', () => {
    expect(load(config({})).webServer.httpErrors).toEqual({
      errorMode: 'DetailedLocalOnly',
      existingResponse: 'Auto',
      defaultResponseMode: 'File',
      defaultPath: '',
      allowAbsolutePathsWhenDelegated: false,
      errors: [],
    });
  });

  it('resolves the server’s File paths against the config file, a site’s and an application’s against their root', () => {
    const loaded = load(
      config(
        {
          defaultPath: 'errors/default.html',
          errors: [
            { statusCode: 404, path: 'errors/404.html' },
            { statusCode: 500, path: '500.htm', prefixLanguageFilePath: 'custerr' },
            { statusCode: 403, path: '/denied.page', responseMode: 'ExecuteURL' },
            { statusCode: 401, path: '/login', responseMode: 'Redirect' },
          ],
        },
        { errors: [{ statusCode: 404, path: 'site-404.html' }] },
        {
          errors: [{ statusCode: 404, path: 'pages/404.html' }],
          defaultPath: '/exec/default',
          defaultResponseMode: 'ExecuteURL',
        },
      ),
    );
    const server = loaded.webServer.httpErrors;
    expect(server.defaultPath).toBe('/etc/w3pool/errors/default.html');
    expect(server.errors.map((e) => [e.path, e.prefixLanguageFilePath])).toEqual([
      ['/etc/w3pool/errors/404.html', ''],
      ['500.htm', '/etc/w3pool/custerr'],
      ['/denied.page', ''],
      ['/login', ''],
    ]);
    const site = loaded.sites[0]!;
    expect(site.webServer?.httpErrors?.errors?.[0]?.path).toBe('/etc/w3pool/www/site-404.html');
    const app = site.applications[1]!.webServer?.httpErrors;
    expect(app?.errors?.[0]?.path).toBe('/srv/app-root/pages/404.html');
    expect(app?.defaultPath).toBe('/exec/default');
  });

  it('refuses File paths outside a site’s or application’s root unless the server allows them', () => {
    const delegated = config(
      {},
      {
        errors: [
          { statusCode: 404, path: '/etc/passwd' },
          { statusCode: 403, path: '../../outside.html' },
        ],
      },
      {
        errors: [
          { statusCode: 500, path: 'x.htm', prefixLanguageFilePath: '/var/custerr' },
          { statusCode: 404, path: '/srv/app-root/inside.html' },
        ],
      },
    );
    let issues: readonly { pointer: string; reason: string }[] = [];
    try {
      load(delegated);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      issues = (error as ConfigError).issues;
    }
    expect(issues.map((i) => i.pointer)).toEqual([
      '/sites/0/webServer/httpErrors/errors/0/path',
      '/sites/0/webServer/httpErrors/errors/1/path',
      '/sites/0/applications/1/webServer/httpErrors/errors/0/prefixLanguageFilePath',
    ]);
    expect(issues[0]!.reason).toContain('allowAbsolutePathsWhenDelegated');
    const allowed = load({
      ...delegated,
      webServer: { httpErrors: { allowAbsolutePathsWhenDelegated: true } },
    });
    expect(allowed.sites[0]!.webServer?.httpErrors?.errors?.[0]?.path).toBe('/etc/passwd');
  });

  it('validates a configuration whose paths it resolved again, unchanged (WAS publishes it resolved)', () => {
    const first = load(config({}, { errors: [{ statusCode: 404, path: 'site-404.html' }] }));
    const again = load(JSON.parse(JSON.stringify(first)));
    expect(again.sites[0]!.webServer?.httpErrors?.errors?.[0]?.path).toBe('/etc/w3pool/www/site-404.html');
  });
});
