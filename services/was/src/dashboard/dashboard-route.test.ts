import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp, type WasHttp } from '../was-http.js';
import { registerDashboard } from './dashboard-route.js';

const SCRIPT = `console.log(${JSON.stringify('w3pool '.repeat(200))});\n`;

describe('the dashboard files', () => {
  let dir: string;
  let http: WasHttp;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3pool-dashboard-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(
      join(dir, 'index.html'),
      '<!doctype html><script src="/dashboard/assets/index-Ab12.js"></script>',
    );
    await writeFile(join(dir, 'assets/index-Ab12.js'), SCRIPT);
    http = createHttp(pino({ level: 'silent' }));
    await registerDashboard(http, dir, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await http.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at /dashboard/ revalidated every time, under a CSP that forbids framing', async () => {
    const page = await http.inject({ url: '/dashboard/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const again = await http.inject({
      url: '/dashboard/',
      headers: { 'if-none-match': String(page.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect((await http.inject({ url: '/dashboard' })).headers.location).toBe('/dashboard/');
  });

  it('serves hashed assets as immutable for a year, gzipped when the client takes it', async () => {
    const plain = await http.inject({ url: '/dashboard/assets/index-Ab12.js' });
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.body).toBe(SCRIPT);
    const gzipped = await http.inject({
      url: '/dashboard/assets/index-Ab12.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.rawPayload.length).toBeLessThan(SCRIPT.length / 10);
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(SCRIPT);
  });

  it('answers 404 for a file the bundle does not have, whatever the path says', async () => {
    for (const url of [
      '/dashboard/assets/missing.js',
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/index.html',
    ])
      expect((await http.inject({ url })).statusCode, url).toBe(404);
  });

  it('registers nothing when the bundle was not built', async () => {
    const bare = createHttp(pino({ level: 'silent' }));
    await registerDashboard(bare, join(dir, 'not-built'), pino({ level: 'silent' }));
    expect((await bare.inject({ url: '/dashboard/' })).statusCode).toBe(404);
    await bare.close();
  });
});
