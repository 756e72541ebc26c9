import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { startSystem, type RunningSystem } from '../helpers/system.js';
import { hostileSiteConfig, makeHostileSite, type HostileSite } from './hostile-site.js';
import { rawExchange } from './raw-exchange.js';

// What a CGI or FastCGI program gets from a hostile client, and which programs may run at all. The
// everyday cases (one Proxy header) are in cgi.test.ts and fastcgi.test.ts; these are the spellings
// around them, and a restriction list that allows only named programs.
describe('security: httpoxy and the ISAPI/CGI restriction list', () => {
  let system: RunningSystem;
  let site: HostileSite;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    site = await makeHostileSite();
    system = await startSystem({ config: ([port]) => hostileSiteConfig(port!, site) });
  });
  afterAll(async () => {
    await system?.stop();
    await site?.remove();
  });

  /** Raw, so the header's name reaches the listener exactly as spelt. */
  const get = async (path: string, header: string) => {
    const answer = await rawExchange(
      system.port,
      `GET ${path} HTTP/1.1\r\nHost: x\r\n${header}\r\nConnection: close\r\n\r\n`,
      10_000,
      false,
    );
    return answer.bytes.toString('latin1');
  };

  it('never turns any spelling of a Proxy header into HTTP_PROXY, for CGI (sh, php-cgi) or FastCGI', async () => {
    const spellings = [
      'Proxy: http://evil.example:3128',
      'proxy: http://evil.example:3128',
      'PROXY: http://evil.example:3128',
      'Proxy:http://evil.example:3128',
      'Proxy:\thttp://evil.example:3128',
      'Proxy: http://evil.example:3128\r\nProxy: http://evil2.example:3128',
      'Http-Proxy: http://evil.example:3128',
      'Http_Proxy: http://evil.example:3128',
      'HTTP_PROXY: http://evil.example:3128',
      'Proxy : http://evil.example:3128',
      ' Proxy: http://evil.example:3128',
    ];
    const seen: string[] = [];
    for (const header of spellings) {
      const sh = await get('/hello.cgi', header);
      // hello.cgi prints HTTP_PROXY=(unset) when its environment lacks it; a refused request never ran it.
      if (sh.includes('Hello from sh')) expect(sh, header).toContain('HTTP_PROXY=(unset)');
      else expect(sh, header).toMatch(/^HTTP\/1\.1 400 /);
      for (const path of ['/info.php', '/fcgi/info.php']) {
        const php = await get(path, header);
        // Http-Proxy rightly becomes HTTP_HTTP_PROXY; only HTTP_PROXY itself is what proxy clients read.
        expect(php, `${path} ${header}`).not.toMatch(/"HTTP_PROXY":/);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(php)?.[1] ?? 'closed';
        if (status === '200') expect(php, `${path} ${header}`).toContain('"httpProxy":false');
        seen.push(status);
      }
    }
    // Most spellings are valid headers that reached PHP: the check ran, not only the listener's 400.
    expect(seen.filter((s) => s === '200').length).toBeGreaterThanOrEqual(12);
  });

  it('runs only listed programs: an unlisted CGI program and an unlisted scriptProcessor get 404.2 and never start', async () => {
    const unlisted = await httpRequest(`${system.baseUrl}/unlisted.cgi`);
    expect([unlisted.status, unlisted.body.includes('404.2')]).toEqual([404, true]);
    const cat = await httpRequest(`${system.baseUrl}/page.cat`);
    expect([cat.status, cat.body.includes('404.2')]).toEqual([404, true]);
    expect(cat.body).not.toContain(site.secret);
    // The same program through a path the listener normalises, and with PATH_INFO after it.
    for (const path of [
      '/sub/../unlisted.cgi',
      '/unlisted.cgi/extra',
      '/%75nlisted.cgi',
      '/./unlisted.cgi',
    ]) {
      const res = await httpRequest(`${system.baseUrl}${path}`);
      expect(res.body, path).not.toContain('unlisted ran');
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
    // FastCGI runs only what webServer.fastCgi.applications names (IIS governs FastCGI there).
    const fcgiCat = await httpRequest(`${system.baseUrl}/fcgi/page.cat`);
    expect(fcgiCat.status).toBeGreaterThanOrEqual(400);
    expect(fcgiCat.body).not.toContain(site.secret);
    // The listed program still runs: the refusals above are the list's, not a broken mapping.
    expect((await httpRequest(`${system.baseUrl}/hello.cgi`)).status).toBe(200);
    expect(existsSync(site.ranMarker)).toBe(false);
  });
});
