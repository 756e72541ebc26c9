import { describe, expect, it } from 'vitest';
import { mapWindowsPath } from './path-rules.js';

describe('mapWindowsPath', () => {
  const rules = {
    vars: { SystemDrive: 'C:', IIS_SITES_HOME: '/srv/sites' },
    prefixes: [
      { from: 'C:\\inetpub', to: '/srv/inetpub' },
      { from: 'C:\\inetpub\\wwwroot', to: '/srv/www' },
    ],
  };

  it('expands variables case-insensitively, then applies the longest prefix rule', () => {
    expect(mapWindowsPath('%systemdrive%\\inetpub\\wwwroot\\app', rules)).toEqual({
      ok: true,
      path: '/srv/www/app',
    });
    expect(mapWindowsPath('C:\\InetPub\\logs', rules)).toEqual({ ok: true, path: '/srv/inetpub/logs' });
    expect(mapWindowsPath('%IIS_SITES_HOME%\\WebSite1', rules)).toEqual({
      ok: true,
      path: '/srv/sites/WebSite1',
    });
  });

  it('matches a prefix only at a folder boundary', () => {
    const result = mapWindowsPath('C:\\inetpubx\\site', rules);
    expect(result.ok).toBe(false);
    expect(result.path).toBe('C:\\inetpubx\\site');
  });

  it('keeps and reports a drive path or a variable no rule gives', () => {
    expect(mapWindowsPath('D:\\data', rules)).toEqual({
      ok: false,
      path: 'D:\\data',
      reason:
        'no path rule maps the Windows path "D:/data" (add a prefix rule for its drive or folder); kept as written',
    });
    expect(mapWindowsPath('%windir%\\system32\\inetsrv\\asp.dll', rules)).toEqual({
      ok: false,
      path: '%windir%\\system32\\inetsrv\\asp.dll',
      reason: 'no path rule gives %windir% (add it to vars); kept as written',
    });
    expect(mapWindowsPath('\\\\fileserver\\share', rules).ok).toBe(false);
  });

  it('turns backslashes of a relative path into slashes', () => {
    expect(mapWindowsPath('errors\\404.htm', {})).toEqual({ ok: true, path: 'errors/404.htm' });
  });
});
