import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, fixtureSite, startSystem, workerPids, type RunningSystem } from '../helpers/system.js';

// One request's road through real processes: listener (http.sys) → Redis pool queue → worker (w3wp) → back.
describe('a request through listener, pool queue and worker', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({ host: 'w3pool.test' });
  });
  afterAll(async () => {
    await system?.stop();
  });
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    httpRequest(`${system.baseUrl}${path}`, { method, headers: { host: 'w3pool.test', ...headers } });

  it('serves the default document, read by the worker process, not the listener', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.body).toBe(await readFile(join(fixtureSite, 'index.html'), 'utf8'));
    expect(res.headers['content-type']).toBe('text/html');
    // The serving process names itself: the pool and the pid of a worker process of the pool host.
    const [pool, pid] = String(res.headers['x-w3pool-worker']).split('/');
    expect(pool).toBe('DefaultAppPool');
    expect(await workerPids(system.worker)).toContain(Number(pid));
  });

  it('serves a CSS file with its MIME type and validators', async () => {
    const res = await get('/style.css');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/css');
    expect(res.headers.etag).toBeTruthy();
    expect(res.headers['last-modified']).toBeTruthy();
    expect(res.body).toContain('color: #123');
  });

  it('answers 404.3 for an existing file whose extension has no MIME map entry', async () => {
    const res = await get('/notes.w3unknown');
    expect(res.status).toBe(404);
    expect(res.body).toContain('HTTP Error 404.3');
    expect(res.body).toContain('EXT_STATIC_MIME_MAP_MISSING');
  });

  it('answers 404 for a missing file', async () => {
    const res = await get('/no-such-page.html');
    expect(res.status).toBe(404);
    expect(res.body).toContain('HTTP Error 404.0');
  });

  it('answers 400 when the Host matches no binding, from the listener itself', async () => {
    const res = await get('/', { host: 'other.example' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('Invalid Hostname');
    expect(res.headers['x-w3pool-worker']).toBeUndefined();
    // http.sys logs the rejection in HTTPERR with reason Hostname.
    const log = join(system.dir, 'logs/HTTPERR/httperr1.log');
    await eventually(
      async () => (/ 400 - Hostname -/.test(await readFile(log, 'utf8').catch(() => '')) ? true : undefined),
      'Hostname',
    );
  });

  it('redirects a directory without its slash, then serves its default document', async () => {
    const redirect = await get('/docs?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/docs/?x=1');
    const page = await get('/docs/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('docs default document');
  });

  it('answers 403.14 for a directory with no default document and browsing off', async () => {
    const res = await get('/empty-dir/');
    expect(res.status).toBe(403);
    expect(res.body).toContain('HTTP Error 403.14');
  });

  it('answers a conditional GET with 304 and a Range with 206', async () => {
    const first = await get('/range.txt');
    const etag = String(first.headers.etag);
    const notModified = await get('/range.txt', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe('');
    const partial = await get('/range.txt', { range: 'bytes=10-15' });
    expect(partial.status).toBe(206);
    expect(partial.body).toBe('abcdef');
    expect(partial.headers['content-range']).toBe('bytes 10-15/36');
  });

  it('answers HEAD with headers only, and 405 for a POST to a static file', async () => {
    const head = await get('/style.css', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(
      String((await readFile(join(fixtureSite, 'style.css'))).length),
    );
    const post = await get('/style.css', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('never serves a file outside the site root, however the path is encoded', async () => {
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/docs/..%2f..%2f..%2fetc/passwd',
      '/..\\..\\etc\\passwd',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('root:');
    }
  });

  it('answers malformed HTTP with 400 and keeps serving', async () => {
    const { connect } = await import('node:net');
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(system.port, '127.0.0.1', () => socket.write('GARBAGE\x01 / HTTP/9.9\r\n\r\n'));
      let data = '';
      socket.on('data', (c: Buffer) => (data += c.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect((await get('/')).status).toBe(200);
  });
});
