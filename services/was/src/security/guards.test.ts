import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { W3poolError } from '@w3pool/protocol';
import { clientErrorOf } from './body-limits.js';
import { hostNameOf } from './host-guard.js';
import { installAdminSecurity } from './admin-security.js';
import { readSecuritySettings } from './security-settings.js';
import { parseSiteId } from './site-id.js';
import { TokenVerifier } from './token-store.js';
import { createHttp, type WasHttp } from '../was-http.js';

const TOKEN = 'guards-test-token-0123456789abcdefghijklmnop';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A real fastify with the guards installed, a probe, and one state-changing route that counts its calls. */
function guardedHttp(env: NodeJS.ProcessEnv = {}) {
  const http = createHttp(pino({ level: 'silent' }), 1024);
  const settings = readSecuritySettings(env, '/tmp/w3pool.yaml');
  installAdminSecurity(http, settings, { verifier: TokenVerifier.ofToken(TOKEN, 'W3POOL_ADMIN_TOKEN') });
  const calls = { stop: 0 };
  http.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  http.post('/api/stop', (_request, reply) => {
    calls.stop += 1;
    return reply.send({ stopped: true });
  });
  http.setErrorHandler((raw, _request, reply) => {
    const error = clientErrorOf(raw) ?? raw;
    return error instanceof W3poolError
      ? reply.code(error.status).send({ code: error.code })
      : reply.code(500).send({ code: 'WAS_INTERNAL' });
  });
  return { http, calls };
}

describe('the admin API guards', () => {
  let http: WasHttp | undefined;
  afterEach(async () => {
    await http?.close();
    http = undefined;
  });

  it('needs the bearer token on every route but the probes, in the header only', async () => {
    const guarded = guardedHttp();
    http = guarded.http;
    const post = (headers: Record<string, string>) =>
      http!.inject({ method: 'POST', url: '/api/stop', headers });
    const missing = await post({});
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(missing.json()).toMatchObject({ code: 'WAS_TOKEN_MISSING' });
    expect((await post({ authorization: `Bearer ${TOKEN}x` })).json()).toMatchObject({
      code: 'WAS_TOKEN_INVALID',
    });
    expect((await post({ authorization: `Basic ${TOKEN}` })).statusCode).toBe(401);
    expect((await post({ cookie: `token=${TOKEN}` })).statusCode).toBe(401);
    expect(guarded.calls.stop).toBe(0);
    expect((await post(auth)).statusCode).toBe(200);
    expect(guarded.calls.stop).toBe(1);
    // Unknown URLs too, so the API cannot be mapped without the token.
    expect((await http.inject({ url: '/api/nothing' })).statusCode).toBe(401);
    expect((await http.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers only to its own names (DNS rebinding), the configured host and W3POOL_WAS_ALLOWED_HOSTS', async () => {
    http = guardedHttp({ W3POOL_WAS_HOST: '10.0.0.5', W3POOL_WAS_ALLOWED_HOSTS: 'was,admin.internal' }).http;
    const withHost = (host: string) =>
      http!.inject({ method: 'POST', url: '/api/stop', headers: { ...auth, host } });
    for (const host of [
      '127.0.0.1:8172',
      'localhost',
      'LOCALHOST:1',
      '[::1]:8172',
      '10.0.0.5:8172',
      'was:8172',
      'admin.internal.',
    ])
      expect((await withHost(host)).statusCode, host).toBe(200);
    for (const host of [
      'evil.example',
      'evil.example:8172',
      '127.0.0.2',
      'localhost.evil.example',
      'a@localhost',
    ]) {
      const refused = await withHost(host);
      expect(refused.statusCode, host).toBe(421);
      expect(refused.json()).toMatchObject({ code: 'WAS_HOST_NOT_ALLOWED' });
    }
    // The probes answer any Host: orchestrators probe by address.
    expect((await http.inject({ url: '/healthz', headers: { host: 'evil.example' } })).statusCode).toBe(200);
  });

  it('refuses a state-changing request from a foreign Origin, with or without the token', async () => {
    const guarded = guardedHttp();
    http = guarded.http;
    const from = (origin: string) =>
      http!.inject({
        method: 'POST',
        url: '/api/stop',
        headers: { ...auth, host: '127.0.0.1:8172', origin },
      });
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:9999', 'https://127.0.0.1:8172']) {
      const refused = await from(origin);
      expect(refused.statusCode, origin).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'WAS_ORIGIN_FORBIDDEN' });
    }
    expect(guarded.calls.stop).toBe(0);
    expect((await from('http://127.0.0.1:8172')).statusCode).toBe(200);
    // No CORS unless configured.
    const read = await http.inject({ url: '/healthz', headers: { origin: 'http://evil.example' } });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the origins of W3POOL_WAS_CORS_ORIGINS, with CORS headers and a preflight', async () => {
    http = guardedHttp({ W3POOL_WAS_CORS_ORIGINS: 'https://console.example' }).http;
    const preflight = await http.inject({
      method: 'OPTIONS',
      url: '/api/stop',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example');
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const allowed = await http.inject({
      method: 'POST',
      url: '/api/stop',
      headers: { ...auth, origin: 'https://console.example' },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example');
    const other = await http.inject({
      method: 'POST',
      url: '/api/stop',
      headers: { ...auth, origin: 'https://other.example' },
    });
    expect(other.statusCode).toBe(403);
  });

  it('answers malformed, empty, oversized and non-JSON bodies with 400, 413 and 415', async () => {
    const guarded = guardedHttp();
    http = guarded.http;
    const post = (body: string, type?: string) =>
      http!.inject({
        method: 'POST',
        url: '/api/stop',
        headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
        body,
      });
    const cases: [string, string | undefined, number, string][] = [
      ['{"a":', 'application/json', 400, 'WAS_BODY_INVALID'],
      ['', 'application/json', 400, 'WAS_BODY_INVALID'],
      [JSON.stringify({ a: 'x'.repeat(2048) }), 'application/json', 413, 'WAS_BODY_TOO_LARGE'],
      ['stop', 'text/plain', 415, 'WAS_MEDIA_TYPE_UNSUPPORTED'],
      ['a=1', 'application/x-www-form-urlencoded', 415, 'WAS_MEDIA_TYPE_UNSUPPORTED'],
    ];
    for (const [body, type, status, code] of cases) {
      const response = await post(body, type);
      expect(
        [response.statusCode, response.json<{ code: string }>().code],
        `${type} ${body.slice(0, 10)}`,
      ).toEqual([status, code]);
    }
    expect(guarded.calls.stop).toBe(0);
  });
});

describe('site ids and Host names', () => {
  it('parses site ids as digits only, in IIS range', () => {
    expect(parseSiteId('1')).toBe(1);
    expect(parseSiteId('4294967295')).toBe(4294967295);
    for (const text of ['1e0', '+1', '01', ' 1', '0x1', '1.0', '0', '-1', '4294967296', '99999999999', ''])
      expect(() => parseSiteId(text), text).toThrow(/WAS_SITE_ID_INVALID/);
  });

  it('reads the name of a Host header', () => {
    expect(hostNameOf('LocalHost:8172')).toBe('localhost');
    expect(hostNameOf('[::1]:8172')).toBe('::1');
    expect(hostNameOf('example.com.')).toBe('example.com');
    for (const bad of [undefined, '', 'a b', 'user@host', 'host:port', '[::1', 'a/b'])
      expect(hostNameOf(bad), String(bad)).toBeUndefined();
  });
});
