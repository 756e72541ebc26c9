import { describe, expect, it } from 'vitest';
import { effectiveWebServer } from './effective-web-server.js';
import { validateConfig } from './load-config.js';

const config = validateConfig(
  {
    applicationPools: [{ name: 'P' }],
    webServer: { directoryBrowse: { enabled: false }, defaultDocument: { files: ['index.html'] } },
    sites: [
      {
        name: 'S',
        id: 1,
        bindings: [{ bindingInformation: '*:8080:' }],
        webServer: {
          handlers: { list: [{ name: 'php', path: '*.php', verb: '*', modules: 'CgiModule' }] },
          directoryBrowse: { enabled: true },
        },
        applications: [
          { path: '/', applicationPool: 'P', virtualDirectories: [{ path: '/', physicalPath: '/srv/s' }] },
          {
            path: '/app',
            applicationPool: 'P',
            virtualDirectories: [{ path: '/', physicalPath: '/srv/app' }],
            webServer: {
              handlers: { list: [{ name: 'hello', path: '*.hello', verb: 'GET', type: '/x/hello.mjs' }] },
              defaultDocument: { files: ['start.htm'] },
            },
          },
        ],
      },
    ],
  },
  { source: 'test', baseDir: '/' },
);

describe('effectiveWebServer', () => {
  it('puts a child’s handler mappings before its parent’s, nearest first', () => {
    const names = effectiveWebServer(config, 1, '/app').handlers.list.map((h) => h.name);
    expect(names).toEqual(['hello', 'php', 'StaticFile']);
    expect(effectiveWebServer(config, 1, '/').handlers.list.map((h) => h.name)).toEqual([
      'php',
      'StaticFile',
    ]);
  });

  it('merges settings one by one, inheriting what a child leaves out, and lets a child list replace', () => {
    const app = effectiveWebServer(config, 1, '/app');
    expect(app.directoryBrowse.enabled).toBe(true);
    expect(app.directoryBrowse.showFlags).toBe('Date, Time, Size, Extension');
    expect(app.defaultDocument).toEqual({ enabled: true, files: ['start.htm'] });
    expect(effectiveWebServer(config, 1, '/').defaultDocument.files).toEqual(['index.html']);
  });

  it('fills defaults inside a child’s handler mappings, but no defaults for settings it leaves out', () => {
    const hello = effectiveWebServer(config, 1, '/app').handlers.list[0]!;
    expect(hello).toMatchObject({
      resourceType: 'Unspecified',
      requireAccess: 'Script',
      allowPathInfo: false,
    });
    expect(config.sites[0]!.webServer).not.toHaveProperty('staticContent');
  });

  it('refuses an unknown setting in a site’s webServer, naming its pointer', () => {
    expect(() =>
      validateConfig(
        {
          applicationPools: [{ name: 'P' }],
          sites: [
            {
              name: 'S',
              id: 1,
              bindings: [{ bindingInformation: '*:8080:' }],
              webServer: { directoryBrowse: { enabeld: true } },
              applications: [{ path: '/', virtualDirectories: [{ path: '/', physicalPath: '/srv' }] }],
            },
          ],
        },
        { source: 'test', baseDir: '/' },
      ),
    ).toThrow(/sites\/0\/webServer\/directoryBrowse/);
  });
});
