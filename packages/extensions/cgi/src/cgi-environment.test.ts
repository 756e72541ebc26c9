import type { HandlerRequest } from '@w3pool/extension-sdk';
import { describe, expect, it } from 'vitest';
import { baseEnvironment, buildCgiEnvironment } from './cgi-environment.js';

/** A request as the pipeline describes it; server variables answer from `variables`. */
function request(
  overrides: Partial<HandlerRequest> = {},
  variables: Record<string, string> = {},
): HandlerRequest {
  const headers = new Map([
    ['host', 'www.example.test:8080'],
    ['user-agent', 'curl/8'],
  ]);
  return {
    id: 'r1',
    method: 'GET',
    rawUrl: '/app/index.php/extra/path?a=1&b=2',
    path: '/app/index.php/extra/path',
    query: 'a=1&b=2',
    httpVersion: '1.1',
    headers,
    contentLength: 0,
    preloadedBody: new Uint8Array(),
    bodyStream: () => (async function* () {})(),
    readBody: () => Promise.resolve(Buffer.alloc(0)),
    remoteAddress: '192.0.2.7',
    remotePort: 50123,
    localAddress: '127.0.0.1',
    localPort: 8080,
    site: { id: 1, name: 'Default Web Site' },
    application: { path: '/app', physicalPath: '/srv/www/app' },
    physicalPath: '/srv/www/app/index.php',
    scriptName: '/app/index.php',
    pathInfo: '/extra/path',
    serverVariable: (name: string) => variables[name.toUpperCase()],
    mapPath: (url: string) => `/srv/www${url}`,
    user: { name: '', authType: '', roles: [] },
    ...overrides,
  };
}

const base = { PATH: '/usr/bin:/bin' };

describe('buildCgiEnvironment (RFC 3875 section 4.1)', () => {
  it('sets the meta-variables of the request, the server and the connection', () => {
    const env = buildCgiEnvironment(request(), base);
    expect(env).toMatchObject({
      PATH: '/usr/bin:/bin',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: 'w3pool',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_NAME: 'www.example.test',
      SERVER_PORT: '8080',
      SERVER_ADDR: '127.0.0.1',
      REMOTE_ADDR: '192.0.2.7',
      REMOTE_HOST: '192.0.2.7',
      REMOTE_PORT: '50123',
      REQUEST_METHOD: 'GET',
      QUERY_STRING: 'a=1&b=2',
      AUTH_TYPE: '',
      REMOTE_USER: '',
      SCRIPT_FILENAME: '/srv/www/app/index.php',
      REQUEST_URI: '/app/index.php/extra/path?a=1&b=2',
      DOCUMENT_ROOT: '/srv/www/',
      REDIRECT_STATUS: '200',
      HTTP_HOST: 'www.example.test:8080',
      HTTP_USER_AGENT: 'curl/8',
    });
  });

  it('prefers the server variables an ISAPI extension would read', () => {
    const env = buildCgiEnvironment(
      request(
        {},
        { SERVER_NAME: 'site.example', SERVER_SOFTWARE: 'w3pool/1.0', REMOTE_HOST: 'client.example' },
      ),
      base,
    );
    expect([env.SERVER_NAME, env.SERVER_SOFTWARE, env.REMOTE_HOST]).toEqual([
      'site.example',
      'w3pool/1.0',
      'client.example',
    ]);
  });

  it('splits the URL into SCRIPT_NAME and PATH_INFO, and maps PATH_INFO to PATH_TRANSLATED', () => {
    const env = buildCgiEnvironment(request(), base);
    expect([env.SCRIPT_NAME, env.PATH_INFO, env.PATH_TRANSLATED]).toEqual([
      '/app/index.php',
      '/extra/path',
      '/srv/www/extra/path',
    ]);
  });

  it('leaves PATH_TRANSLATED out when there is no PATH_INFO', () => {
    const env = buildCgiEnvironment(
      request({ rawUrl: '/app/index.php', path: '/app/index.php', pathInfo: '', query: '' }),
      base,
    );
    expect([env.SCRIPT_NAME, env.PATH_INFO, env.QUERY_STRING]).toEqual(['/app/index.php', '', '']);
    expect(env).not.toHaveProperty('PATH_TRANSLATED');
  });

  it('sets CONTENT_LENGTH and CONTENT_TYPE for a body, and neither without one', () => {
    const headers = new Map([['content-type', 'application/x-www-form-urlencoded']]);
    const post = buildCgiEnvironment(request({ method: 'POST', contentLength: 13, headers }), base);
    expect([post.CONTENT_LENGTH, post.CONTENT_TYPE]).toEqual(['13', 'application/x-www-form-urlencoded']);
    expect(post).not.toHaveProperty('HTTP_CONTENT_TYPE');
    const get = buildCgiEnvironment(request(), base);
    expect(get).not.toHaveProperty('CONTENT_LENGTH');
    expect(get).not.toHaveProperty('CONTENT_TYPE');
    // A chunked body has no length to give: the script reads stdin to its end.
    expect(buildCgiEnvironment(request({ contentLength: -1 }), base)).not.toHaveProperty('CONTENT_LENGTH');
  });

  it('never turns a Proxy header into HTTP_PROXY (httpoxy)', () => {
    const headers = new Map([
      ['proxy', 'http://evil.example:3128'],
      ['x-ok', 'yes'],
    ]);
    const env = buildCgiEnvironment(request({ headers }), base);
    expect(env).not.toHaveProperty('HTTP_PROXY');
    expect(env.HTTP_X_OK).toBe('yes');
  });

  it('drops header names with characters outside letters, digits and hyphen', () => {
    const headers = new Map([
      ['x_forwarded_for', '10.0.0.1'],
      ['x.dotted', '1'],
      ['x-forwarded-for', '192.0.2.7'],
    ]);
    const env = buildCgiEnvironment(request({ headers }), base);
    expect(env.HTTP_X_FORWARDED_FOR).toBe('192.0.2.7');
    expect(Object.keys(env).filter((k) => k.startsWith('HTTP_'))).toEqual(['HTTP_X_FORWARDED_FOR']);
  });

  it('passes Authorization to a script that authenticates itself, not when the server did', () => {
    const headers = new Map([['authorization', 'Basic dTpw']]);
    expect(buildCgiEnvironment(request({ headers }), base).HTTP_AUTHORIZATION).toBe('Basic dTpw');
    const authenticated = buildCgiEnvironment(
      request({ headers, user: { name: 'alice', authType: 'Basic', roles: [] } }),
      base,
    );
    expect(authenticated).not.toHaveProperty('HTTP_AUTHORIZATION');
    expect([authenticated.AUTH_TYPE, authenticated.REMOTE_USER]).toEqual(['Basic', 'alice']);
  });

  it('sets HTTPS only when the connection is secure', () => {
    expect(buildCgiEnvironment(request({}, { HTTPS: 'on' }), base).HTTPS).toBe('on');
    expect(buildCgiEnvironment(request({}, { HTTPS: 'off' }), base)).not.toHaveProperty('HTTPS');
  });

  it('takes SERVER_NAME from a Host with an IPv6 address, without its port', () => {
    const headers = new Map([['host', '[::1]:8080']]);
    expect(buildCgiEnvironment(request({ headers }), base).SERVER_NAME).toBe('[::1]');
  });
});

describe('baseEnvironment', () => {
  it("passes on only PATH, the locale, the time zone and TMPDIR, never the worker's settings", () => {
    const env = baseEnvironment({
      PATH: '/opt/bin:/usr/bin',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      REDIS_URL: 'redis://secret@127.0.0.1',
      HOME: '/root',
      NODE_OPTIONS: '--inspect',
    });
    expect(env).toEqual({ PATH: '/opt/bin:/usr/bin', LANG: 'C.UTF-8', TZ: 'UTC' });
  });

  it('gives a default PATH when the worker has none', () => {
    expect(baseEnvironment({}).PATH).toBe('/usr/local/bin:/usr/bin:/bin');
  });
});
