import { request as httpGet } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, createGunzip, gunzipSync } from 'node:zlib';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { repoRoot } from '../helpers/service-process.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

const responseApp = join(repoRoot, 'test/fixtures/response/response-app.js');
const prose = 'It was the best of times, it was the worst of times, it was the age of wisdom. ';
const css = 'body { color: #333; margin: 0 auto; }\n'.repeat(120); // 4,560 bytes

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body stays bytes (compressed bodies are not text), over a fresh connection. */
function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no response within 30 s')));
    req.on('error', reject);
    req.end();
  });
}

// The response modules through listener → queue → worker: custom error pages (CustomErrorModule), output
// caching profiles kept and varied by the listener's response cache (HttpCacheModule), and static and
// dynamic compression (StaticCompressionModule, DynamicCompressionModule). Every module is enabled by the
// default modules list; the configuration below only sets their sections.
describe('response modules', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  let base: string;
  const dirs = {} as Record<'root' | 'custom' | 'replace' | 'passthrough' | 'local', string>;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'w3pool-response-'));
    for (const name of ['root', 'custom', 'replace', 'passthrough', 'local'] as const) {
      dirs[name] = join(base, name);
      await mkdir(dirs[name]);
    }
    await mkdir(join(dirs.root, 'static'));
    await writeFile(join(dirs.root, 'static/big.css'), css);
    await writeFile(join(dirs.root, 'static/tiny.css'), 'p { margin: 0 }\n');
    await writeFile(join(dirs.root, 'page.tpl'), '<p>version 1</p>');
    await writeFile(join(dirs.custom, '404.html'), '<p>custom page: not found</p>');
    await writeFile(join(dirs.custom, 'page.html'), '<p>a page</p>');
    await writeFile(join(dirs.replace, 'replaced-404.html'), '<p>replaced by the 404 page</p>');
    await writeFile(join(dirs.passthrough, '500.html'), '<p>custom 500 page</p>');
    await writeFile(join(dirs.local, '404.html'), '<p>local custom 404</p>');

    const app = (path: string, dir: string, httpErrors?: Record<string, unknown>) => ({
      path,
      applicationPool: 'Resp',
      virtualDirectories: [{ path: '/', physicalPath: dir }],
      ...(httpErrors ? { webServer: { httpErrors } } : {}),
    });
    system = await startSystem({
      workers: ['Resp'],
      config: ([port]) => ({
        applicationPools: [{ name: 'Resp', startMode: 'AlwaysRunning' }],
        sites: [
          {
            name: 'Resp',
            id: 3,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [
              app('/', dirs.root),
              app('/errors-custom', dirs.custom, {
                errorMode: 'Custom',
                errors: [
                  { statusCode: 404, path: '404.html' },
                  { statusCode: 403, path: 'not-there.html' },
                  { statusCode: 500, path: '/errors-custom/error-page.dyn', responseMode: 'ExecuteURL' },
                  { statusCode: 410, path: '/gone-to', responseMode: 'Redirect' },
                ],
              }),
              app('/errors-replace', dirs.replace, {
                errorMode: 'Custom',
                existingResponse: 'Replace',
                errors: [{ statusCode: 404, path: 'replaced-404.html' }],
              }),
              app('/errors-passthrough', dirs.passthrough, {
                errorMode: 'Custom',
                existingResponse: 'PassThrough',
                errors: [{ statusCode: 500, path: '500.html' }],
              }),
              app('/errors-local', dirs.local, { errors: [{ statusCode: 404, path: '404.html' }] }),
            ],
          },
        ],
        webServer: {
          handlers: {
            list: [
              { name: 'ResponseDyn', path: '*.dyn', verb: '*', type: responseApp },
              { name: 'ResponseCache', path: '*.cache', verb: 'GET,HEAD', type: responseApp },
              { name: 'ResponseTpl', path: '*.tpl', verb: 'GET,HEAD', type: responseApp },
              STATIC_FILE_MAPPING,
            ],
          },
          // Three hits within 10 s make a URL frequent: for the listener's cache and for static compression.
          serverRuntime: { frequentHitThreshold: 3 },
          caching: {
            profiles: [
              {
                extension: '.cache',
                kernelCachePolicy: 'CacheForTimePeriod',
                duration: '00:05:00',
                varyByQueryString: 'lang',
                varyByHeaders: 'x-tenant',
              },
              { extension: '.tpl', kernelCachePolicy: 'CacheUntilChange' },
            ],
          },
        },
      }),
    });
    await system.worker.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
    await rm(base, { recursive: true, force: true });
  });

  const url = (path: string) => `${system.baseUrl}${path}`;
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    httpRequest(url(path), { headers, method });
  const cacheHits = async (): Promise<number> => {
    const [listener] = JSON.parse(
      (await httpRequest(`${system.wasUrl}/api/listeners`, { headers: system.adminHeaders() })).body,
    ) as {
      uriCacheHits: number;
    }[];
    return listener!.uriCacheHits;
  };

  describe('custom error pages (httpErrors)', () => {
    it('File: an error the server raised gets the application’s page, with its own status', async () => {
      const response = await get('/errors-custom/missing.html');
      expect([response.status, response.body]).toEqual([404, '<p>custom page: not found</p>']);
      expect(response.headers['content-type']).toBe('text/html');
    });

    it('ExecuteURL: a failing handler’s error is the page run through the pipeline, as a GET, with status 500', async () => {
      const response = await get('/errors-custom/throw.dyn', {}, 'POST');
      expect(response.status).toBe(500);
      expect(response.body).toBe('<p>error page rendered by ExecuteURL for a GET</p>');
    });

    it('Redirect: a handler’s sendCustomError(410) sends the client to the path with 302', async () => {
      const response = await get('/errors-custom/custom-error.dyn?status=410');
      expect([response.status, response.headers.location]).toEqual([302, '/gone-to']);
    });

    it('falls back to the built-in page when the page file is missing, and says so in the worker’s log', async () => {
      const response = await get('/errors-custom/custom-error.dyn?status=403&sub=14');
      expect(response.status).toBe(403);
      expect(response.body).toContain('HTTP Error 403.14');
      await system.worker.waitForLine(/EXT_CUSTOM_ERROR_PAGE_UNAVAILABLE/);
    });

    it('Custom mode (what a remote client gets): no detail, even without a page for the status', async () => {
      const response = await get('/errors-custom/page.html', {}, 'PUT');
      expect(response.status).toBe(405);
      expect(response.body).toContain('HTTP Error 405.0');
      expect(response.body).toContain('EXT_STATIC_METHOD_NOT_ALLOWED');
      expect(response.body).not.toContain('PUT /errors-custom/page.html');
    });

    it('DetailedLocalOnly: a loopback client gets the detailed built-in page instead of the custom page', async () => {
      const response = await get('/errors-local/missing.html');
      expect(response.status).toBe(404);
      expect(response.body).toContain('WORKER_NOT_FOUND');
      expect(response.body).toContain('/errors-local/missing.html');
      expect(response.body).not.toContain('local custom 404');
    });

    it('existingResponse: Auto leaves an error body the handler wrote itself, Replace replaces it', async () => {
      const own = await get('/errors-custom/own-error.dyn');
      expect([own.status, own.body]).toEqual([404, '{"error":"the handler’s own"}']);
      const replaced = await get('/errors-replace/own-error.dyn');
      expect([replaced.status, replaced.body]).toEqual([404, '<p>replaced by the 404 page</p>']);
      expect(replaced.headers['content-type']).toBe('text/html');
    });

    it('existingResponse PassThrough: a handler’s failure keeps the built-in page; sendCustomError still gets the page', async () => {
      const thrown = await get('/errors-passthrough/throw.dyn');
      expect(thrown.status).toBe(500);
      expect(thrown.body).toContain('WORKER_HANDLER_FAILED');
      const asked = await get('/errors-passthrough/custom-error.dyn?status=500');
      expect([asked.status, asked.body]).toEqual([500, '<p>custom 500 page</p>']);
      // The worker kept serving.
      expect((await get('/errors-passthrough/custom-error.dyn?status=500')).status).toBe(500);
    });
  });

  describe('output caching (caching profiles)', () => {
    it('serves a profile’s response from the listener, one entry per listed query parameter and header value', async () => {
      const de = (query = 'lang=de', tenant = 'a') => get(`/count.cache?${query}`, { 'x-tenant': tenant });
      const made = [(await de()).body, (await de()).body, (await de()).body];
      // Three misses make the URL frequent (frequentHitThreshold 3); the third answer is kept.
      expect(made).toEqual([
        'call 1 lang=de tenant=a\n',
        'call 2 lang=de tenant=a\n',
        'call 3 lang=de tenant=a\n',
      ]);
      const hitsBefore = await cacheHits();
      expect((await de()).body).toBe('call 3 lang=de tenant=a\n');
      // A parameter the profile does not list does not vary the entry: the handler is not called.
      expect((await de('utm_source=mail&lang=de')).body).toBe('call 3 lang=de tenant=a\n');
      expect(
        await eventually(
          async () => ((await cacheHits()) >= hitsBefore + 2 ? true : undefined),
          'two cache hits',
        ),
      ).toBe(true);
      // Another listed value, or another header value, is another entry: the handler runs for it.
      expect((await de('lang=fr')).body).toBe('call 1 lang=fr tenant=a\n');
      expect((await de('lang=de', 'b')).body).toBe('call 1 lang=de tenant=b\n');
      expect((await de()).headers['cache-control']).toBe('public');
    });

    it('CacheUntilChange keeps a rendered page until its file changes', async () => {
      const bodies = [];
      for (let i = 0; i < 4; i += 1) bodies.push((await get('/page.tpl')).body);
      expect(bodies).toEqual([
        '<p>version 1</p> (render 1)\n',
        '<p>version 1</p> (render 2)\n',
        '<p>version 1</p> (render 3)\n',
        '<p>version 1</p> (render 3)\n',
      ]);
      await writeFile(join(dirs.root, 'page.tpl'), '<p>version 2</p>');
      const fresh = await eventually(async () => {
        const body = (await get('/page.tpl')).body;
        return body.includes('version 2') ? body : undefined;
      }, 'the page rendered from the changed file');
      // One render or more: the change notice may come while the file is being written.
      expect(fresh).toMatch(/^<p>version 2<\/p> \(render [4-9]\)\n$/);
    });
  });

  describe('compression', () => {
    const text = prose.repeat(150);

    it('negotiates gzip and br from Accept-Encoding, with Vary and the compressed length', async () => {
      const gzip = await rawGet(url('/big.dyn'), { 'accept-encoding': 'gzip' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers.vary).toBe('Accept-Encoding');
      expect(Number(gzip.headers['content-length'])).toBe(gzip.body.length);
      expect(gzip.body.length).toBeLessThan(text.length / 10);
      expect(gunzipSync(gzip.body).toString()).toBe(text);
      const br = await rawGet(url('/big.dyn'), { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.body).toString()).toBe(text);
    });

    it('respects q=0 and identity, and compresses nothing below minFileSizeForComp', async () => {
      const refused = await rawGet(url('/big.dyn'), { 'accept-encoding': 'gzip;q=0, br;q=0' });
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(refused.body.toString()).toBe(text);
      const brOnly = await rawGet(url('/big.dyn'), { 'accept-encoding': 'gzip;q=0, br' });
      expect(brOnly.headers['content-encoding']).toBe('br');
      expect(
        (await rawGet(url('/big.dyn'), { 'accept-encoding': 'identity' })).headers['content-encoding'],
      ).toBeUndefined();
      const small = await rawGet(url('/small.dyn'), { 'accept-encoding': 'gzip, br' });
      expect(small.headers['content-encoding']).toBeUndefined();
      expect(small.body.toString()).toBe('short and plain\n');
      const tiny = await rawGet(url('/static/tiny.css'), { 'accept-encoding': 'gzip' });
      expect(tiny.headers['content-encoding']).toBeUndefined();
    });

    it('compresses a static file once it is frequently hit; the listener keeps the compressed copy for accepting clients only', async () => {
      const big = () => rawGet(url('/static/big.css'), { 'accept-encoding': 'gzip' });
      const encodings = [];
      for (let i = 0; i < 3; i += 1) encodings.push((await big()).headers['content-encoding'] ?? 'identity');
      expect(encodings).toEqual(['identity', 'identity', 'gzip']);
      const hitsBefore = await cacheHits();
      const cached = await big();
      expect(cached.headers['content-encoding']).toBe('gzip');
      expect(String(cached.headers.etag)).toMatch(/^W\//);
      expect(gunzipSync(cached.body).toString()).toBe(css);
      await eventually(
        async () => ((await cacheHits()) > hitsBefore ? true : undefined),
        'the compressed copy served by the listener',
      );
      // A client that does not accept gzip never gets the cached gzip copy.
      const plain = await rawGet(url('/static/big.css'));
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.toString()).toBe(css);
      const ranged = await rawGet(url('/static/big.css'), { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
      expect([ranged.status, ranged.headers['content-encoding'], ranged.body.toString()]).toEqual([
        206,
        undefined,
        css.slice(0, 10),
      ]);
    });

    it('streams a compressed dynamic response: its first piece arrives, decoded, before the handler writes the rest', async () => {
      const decoded: string[] = [];
      let firstSeen: () => void = () => undefined;
      const first = new Promise<void>((resolve) => (firstSeen = resolve));
      const done = new Promise<{ headers: Record<string, string | string[] | undefined> }>(
        (resolve, reject) => {
          const req = httpGet(
            url('/stream.dyn?id=s1'),
            { headers: { 'accept-encoding': 'gzip' }, agent: false },
            (res) => {
              const gunzip = createGunzip();
              res.pipe(gunzip);
              gunzip.on('data', (chunk: Buffer) => {
                decoded.push(chunk.toString());
                if (decoded.join('').includes('first piece of s1')) firstSeen();
              });
              gunzip.on('end', () => resolve({ headers: res.headers }));
              gunzip.on('error', reject);
            },
          );
          req.on('error', reject);
          req.end();
        },
      );
      await first;
      // The handler is still waiting: nothing of the second piece can have been written yet.
      expect(decoded.join('')).toBe('first piece of s1\n');
      expect((await get('/release.dyn?id=s1')).body).toBe('released\n');
      const { headers } = await done;
      expect(headers['content-encoding']).toBe('gzip');
      expect(headers['transfer-encoding']).toBe('chunked');
      expect(decoded.join('')).toBe(`first piece of s1\nsecond piece of s1\n${prose.repeat(50)}`);
    });
  });

  it('serves its cached entries with the worker stopped: the listener answered them, not the worker', async () => {
    await system.worker.stop('SIGKILL');
    const cached = await get('/count.cache?lang=de', { 'x-tenant': 'a' });
    expect([cached.status, cached.body]).toEqual([200, 'call 3 lang=de tenant=a\n']);
    const compressed = await rawGet(url('/static/big.css'), { 'accept-encoding': 'gzip' });
    expect(gunzipSync(compressed.body).toString()).toBe(css);
  });
});
