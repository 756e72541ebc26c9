import type { HandlerRequest } from '@w3pool/extension-sdk';
import { FAKE_SERVER_SOFTWARE, fakeRequest, type FakeRequestInit } from '@w3pool/extension-sdk/testing';
import { describe, expect, it } from 'vitest';
import { baseEnvironment, buildCgiEnvironment } from './cgi-environment.js';

/** A request for /app/index.php/extra/path as the pipeline describes it, changed by `init`. */
function request(init: FakeRequestInit = {}): HandlerRequest {
  return fakeRequest({
    url: '/app/index.php/extra/path?a=1&b=2',
    pathInfo: '/extra/path',
    headers: { host: 'www.example.test:8080', 'user-agent': 'curl/8' },
    remoteAddress: '192.0.2.7',
    remotePort: 50123,
    localPort: 8080,
    site: { id: 1, name: 'Default Web Site' },
    application: { path: '/app', physicalPath: '/srv/www/app' },
    mapPath: (url: string) => `/srv/www${url}`,
    ...init,
  });
}

/** The server variables buildCgiEnvironment reads, absent: what it falls back on. */
const NO_VARIABLES = Object.fromEntries(
  ['SERVER_SOFTWARE', 'SERVER_PROTOCOL', 'SERVER_NAME', 'SERVER_PORT', 'LOCAL_ADDR', 'REMOTE_ADDR']
    .concat(['REMOTE_HOST', 'REMOTE_PORT', 'DOCUMENT_ROOT', 'HTTPS'])
    .map((name) => [name, undefined]),
);

const base = { PATH: '/usr/bin:/bin' };

describe('buildCgiEnvironment (RFC 3875 section 4.1)', () => {
  it('sets the meta-variables of the request, the server and the connection', () => {
    const env = buildCgiEnvironment(request(), base);
    expect(env).toMatchObject({
      PATH: '/usr/bin:/bin',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: FAKE_SERVER_SOFTWARE,
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
      DOCUMENT_ROOT: '/srv/www/app',
      REDIRECT_STATUS: '200',
      HTTP_HOST: 'www.example.test:8080',
      HTTP_USER_AGENT: 'curl/8',
    });
  });

  it("falls back on the request's own fields when a server variable is missing", () => {
    const fallback = buildCgiEnvironment(request({ serverVariables: NO_VARIABLES }), base);
    // The same request, but for the two the worker answers otherwise: its SERVER_SOFTWARE, and the
    // application's root as DOCUMENT_ROOT where the fallback maps `/`.
    expect(fallback).toEqual({
      ...buildCgiEnvironment(request(), base),
      SERVER_SOFTWARE: 'w3pool',
      DOCUMENT_ROOT: '/srv/www/',
    });
  });

  it('prefers the server variables an ISAPI extension would read', () => {
    const env = buildCgiEnvironment(
      request({
        serverVariables: {
          SERVER_NAME: 'site.example',
          SERVER_SOFTWARE: 'w3pool/1.0',
          REMOTE_HOST: 'client.example',
        },
      }),
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
    const env = buildCgiEnvironment(request({ url: '/app/index.php', pathInfo: '' }), base);
    expect([env.SCRIPT_NAME, env.PATH_INFO, env.QUERY_STRING]).toEqual(['/app/index.php', '', '']);
    expect(env).not.toHaveProperty('PATH_TRANSLATED');
  });

  it('sets CONTENT_LENGTH and CONTENT_TYPE for a body, and neither without one', () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
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
    const headers = { proxy: 'http://evil.example:3128', 'x-ok': 'yes' };
    const env = buildCgiEnvironment(request({ headers }), base);
    expect(env).not.toHaveProperty('HTTP_PROXY');
    expect(env.HTTP_X_OK).toBe('yes');
  });

  it('drops header names with characters outside letters, digits and hyphen', () => {
    const headers = { x_forwarded_for: '10.0.0.1', 'x.dotted': '1', 'x-forwarded-for': '192.0.2.7' };
    const env = buildCgiEnvironment(request({ headers }), base);
    expect(env.HTTP_X_FORWARDED_FOR).toBe('192.0.2.7');
    expect(Object.keys(env).filter((k) => k.startsWith('HTTP_'))).toEqual(['HTTP_X_FORWARDED_FOR']);
  });

  it('passes Authorization to a script that authenticates itself, not when the server did', () => {
    const headers = { authorization: 'Basic dTpw' };
    expect(buildCgiEnvironment(request({ headers }), base).HTTP_AUTHORIZATION).toBe('Basic dTpw');
    const authenticated = buildCgiEnvironment(
      request({ headers, user: { name: 'alice', authType: 'Basic', roles: [] } }),
      base,
    );
    expect(authenticated).not.toHaveProperty('HTTP_AUTHORIZATION');
    expect([authenticated.AUTH_TYPE, authenticated.REMOTE_USER]).toEqual(['Basic', 'alice']);
  });

  it('sets HTTPS only when the connection is secure', () => {
    expect(buildCgiEnvironment(request({ https: true }), base).HTTPS).toBe('on');
    expect(buildCgiEnvironment(request(), base)).not.toHaveProperty('HTTPS');
  });

  it("passes the connection's TLS variables over https, as IIS does", () => {
    const tls = { HTTPS_SERVER_SUBJECT: 'CN=www.example.test', HTTPS_KEYSIZE: '256', CERT_FLAGS: '1' };
    const env = buildCgiEnvironment(request({ https: true, serverVariables: tls }), base);
    expect(env).toMatchObject({ ...tls, SERVER_PORT_SECURE: '1' });
    expect(buildCgiEnvironment(request({ serverVariables: tls }), base)).not.toHaveProperty('CERT_FLAGS');
  });

  it('takes SERVER_NAME from a Host with an IPv6 address, without its port', () => {
    const headers = { host: '[::1]:8080' };
    expect(buildCgiEnvironment(request({ headers, serverVariables: NO_VARIABLES }), base).SERVER_NAME).toBe(
      '[::1]',
    );
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
