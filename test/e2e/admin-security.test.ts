import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, type SimpleResponse } from '../helpers/http-client.js';
import { startNode } from '../helpers/service-process.js';
import { startSystem, type RunningSystem } from '../helpers/system.js';

const WRONG_TOKEN = 'wrong-token-0123456789abcdefghijklmnopqrstu';

/** Every route WAS registered, as it logs them once ready ("admin API routes"): a new route is never missed. */
function registeredRoutes(system: RunningSystem): string[] {
  const line = system.was.lines.find((l) => l.includes('"admin API routes"'));
  if (!line) throw new Error(`WAS did not log its routes:\n${system.was.output()}`);
  return (JSON.parse(line) as { routes: string[] }).routes;
}

/** A concrete URL for a route pattern: the test's pool, site 1, and the most damaging action, stop. */
const concrete = (pattern: string) =>
  pattern
    .replace(':name', 'DefaultAppPool')
    .replace(':id', '1')
    .replace(':action', 'stop')
    .replace(/:\w+/g, 'x')
    .replace('*', 'x');

const json = (response: SimpleResponse) => JSON.parse(response.body) as { code?: string };

// The admin API (docs/admin-security.md): bearer token, Host and Origin checks, body limits, strict ids.
describe('the admin API is secured', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });
  const admin = (path: string, options: Parameters<typeof httpRequest>[1] = {}) =>
    httpRequest(`${system.wasUrl}${path}`, options);
  const states = async () => {
    const pools = JSON.parse((await admin('/api/apppools', { headers: system.adminHeaders() })).body) as {
      name: string;
      state: string;
    }[];
    const sites = JSON.parse((await admin('/api/sites', { headers: system.adminHeaders() })).body) as {
      id: number;
      state: string;
    }[];
    return { pool: pools.find((p) => p.name === 'DefaultAppPool')?.state, site: sites[0]?.state };
  };
  const bothStarted = { pool: 'Started', site: 'Started' };

  it('answers 401 on every registered route without the token or with a wrong one, and changes nothing', async () => {
    const routes = registeredRoutes(system).filter((r) => !r.startsWith('OPTIONS '));
    // The list is WAS's own: the routes this suite knows of must be in it.
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /api/apppools',
        'POST /api/apppools/:name/:action',
        'POST /api/sites/:id/:action',
      ]),
    );
    for (const route of routes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const url = concrete(pattern);
      if (pattern === '/healthz' || pattern === '/readyz') {
        expect((await admin(url, { method })).status, route).toBe(200);
        continue;
      }
      if (pattern.startsWith('/dashboard')) {
        // The dashboard's static files: open like a sign-in page (a browser cannot send the token when it
        // navigates), holding no data; what they show comes from the routes checked here.
        const page = await admin(url, { method });
        expect([200, 308, 404], route).toContain(page.status);
        if (page.status === 200)
          expect(page.headers['content-security-policy'], route).toContain("default-src 'none'");
        continue;
      }
      const missing = await admin(url, { method });
      expect(missing.status, route).toBe(401);
      expect(missing.headers['www-authenticate'], route).toMatch(/^Bearer /);
      if (method !== 'HEAD') expect(json(missing).code, route).toBe('WAS_TOKEN_MISSING');
      const wrong = await admin(url, { method, headers: { authorization: `Bearer ${WRONG_TOKEN}` } });
      expect(wrong.status, route).toBe(401);
      if (method !== 'HEAD') expect(json(wrong).code, route).toBe('WAS_TOKEN_INVALID');
      // A cookie is not a credential here.
      expect((await admin(url, { method, headers: { cookie: `token=${system.adminToken}` } })).status).toBe(
        401,
      );
    }
    expect(await states()).toEqual(bothStarted);
    // The site still serves: its pool was never stopped.
    expect((await httpRequest(`${system.baseUrl}/`)).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) with 421, even with the token', async () => {
    const refused = await admin('/api/apppools/DefaultAppPool/stop', {
      method: 'POST',
      headers: { ...system.adminHeaders(), host: 'rebind.evil.example' },
    });
    expect(refused.status).toBe(421);
    expect(json(refused).code).toBe('WAS_HOST_NOT_ALLOWED');
    const port = new URL(system.wasUrl).port;
    expect(
      (await admin('/api/apppools', { headers: { ...system.adminHeaders(), host: `localhost:${port}` } }))
        .status,
    ).toBe(200);
    expect(await states()).toEqual(bothStarted);
  });

  it('refuses a cross-origin text/plain POST (what a web page can send), and the pool keeps running', async () => {
    for (const headers of [{}, system.adminHeaders()]) {
      const refused = await admin('/api/apppools/DefaultAppPool/stop', {
        method: 'POST',
        headers: { ...headers, origin: 'http://evil.example', 'content-type': 'text/plain' },
        body: 'stop',
      });
      expect(refused.status).toBe(403);
      expect(json(refused).code).toBe('WAS_ORIGIN_FORBIDDEN');
      // CORS is off: nothing tells a browser it may read the answer.
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(await states()).toEqual(bothStarted);
    expect((await httpRequest(`${system.baseUrl}/`)).status).toBe(200);
  });

  it('answers malformed, empty, oversized and text/plain bodies with 400, 413 and 415, never 500', async () => {
    const cases: { body: string; type: string; status: number; code: string }[] = [
      { body: '{"state":', type: 'application/json', status: 400, code: 'WAS_BODY_INVALID' },
      { body: '', type: 'application/json', status: 400, code: 'WAS_BODY_INVALID' },
      {
        body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }),
        type: 'application/json',
        status: 413,
        code: 'WAS_BODY_TOO_LARGE',
      },
      { body: 'stop', type: 'text/plain', status: 415, code: 'WAS_MEDIA_TYPE_UNSUPPORTED' },
    ];
    for (const { body, type, status, code } of cases) {
      const response = await admin('/api/apppools/DefaultAppPool/stop', {
        method: 'POST',
        headers: { ...system.adminHeaders(), 'content-type': type },
        body,
      });
      expect([response.status, json(response).code], `${type} ${body.length} bytes`).toEqual([status, code]);
    }
    expect(await states()).toEqual(bothStarted);
  });

  it('parses site ids strictly: 1e0, +1 and 01 do not stop site 1', async () => {
    for (const id of ['1e0', '+1', '01', '1.0', '0x1']) {
      const response = await admin(`/api/sites/${encodeURIComponent(id)}/stop`, {
        method: 'POST',
        headers: system.adminHeaders(),
      });
      expect([response.status, json(response).code], id).toEqual([400, 'WAS_SITE_ID_INVALID']);
    }
    expect(await states()).toEqual(bothStarted);
    // The well-formed id acts, and WAS answers it.
    const stop = await admin('/api/sites/1/stop', { method: 'POST', headers: system.adminHeaders() });
    expect(stop.status).toBe(200);
    expect(await states()).toEqual({ pool: 'Started', site: 'Stopped' });
    await admin('/api/sites/1/start', { method: 'POST', headers: system.adminHeaders() });
    expect(await states()).toEqual(bothStarted);
  });

  it('never writes the token (right or wrong) to the WAS log', () => {
    // Every test above made authenticated and unauthenticated calls; the log has their request lines.
    const output = system.was.output();
    expect(output).toContain('incoming request');
    expect(output).not.toContain(system.adminToken);
    expect(output).not.toContain(WRONG_TOKEN);
  });
});

describe('a generated admin token', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    // No W3POOL_ADMIN_TOKEN: WAS generates one, its hash under <config dir>/.w3pool.
    system = await startSystem({ env: { W3POOL_ADMIN_TOKEN: '' }, workers: [] });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('is printed once, stored only as a hash, and still works after a restart', async () => {
    const announced = await system.was.waitForLine(/w3pool admin token/);
    const token = /export W3POOL_ADMIN_TOKEN=(\S+)/.exec(announced)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(system.was.output().split(token!).length - 1).toBe(1);

    const hashFile = join(system.dir, '.w3pool', 'admin-token.hash');
    const stored = await readFile(hashFile, 'utf8');
    expect(stored).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(stored).not.toContain(token);

    const pools = (authorization: string) =>
      httpRequest(`${system.wasUrl}/api/apppools`, { headers: { authorization } });
    expect((await pools(`Bearer ${token}`)).status).toBe(200);
    expect((await pools(`Bearer ${WRONG_TOKEN}`)).status).toBe(401);

    // A restart verifies against the stored hash and prints no token.
    await system.was.stop();
    const again = startNode('was', ['services/was/dist/main.js', '--config', system.configFile], system.env);
    try {
      await again.waitForLine(/WAS ready/);
      expect(again.output()).not.toMatch(/w3pool admin token|W3POOL_ADMIN_TOKEN=/);
      expect(again.output()).toContain('"source":"stored hash"');
      expect((await pools(`Bearer ${token}`)).status).toBe(200);
      expect((await pools(`Bearer ${WRONG_TOKEN}`)).status).toBe(401);
      expect(again.output()).not.toContain(token);
    } finally {
      await again.stop('SIGKILL');
    }
  });
});
