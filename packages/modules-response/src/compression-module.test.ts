import { brotliDecompressSync, constants, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { STATIC_FILE_MAPPING, type HandlerMapping } from '@w3pool/config';
import { compressionModule } from './compression-module.js';
import { ModuleHarness, webServerWith, type HarnessRequest } from './pipeline-harness.js';
import { BODY_REPLACED } from './response-items.js';

const dynamic = compressionModule('dynamic');
const statics = compressionModule('static');
const text = 'All work and no play makes Jack a dull boy. '.repeat(100); // 4,400 bytes
const gzip = { 'accept-encoding': 'gzip' };
const staticMapping = {
  ...STATIC_FILE_MAPPING,
  scriptProcessor: '',
  preCondition: '',
  allowPathInfo: false,
  responseBufferLimit: 0,
} as HandlerMapping;

async function serve(
  request: HarnessRequest,
  respond: (h: ModuleHarness) => Promise<void>,
  webServer = webServerWith(),
  modules = [dynamic, statics],
): Promise<ModuleHarness> {
  const h = await ModuleHarness.start(modules, webServer, request);
  await respond(h);
  return h;
}

const html =
  (body = text, status = 200) =>
  async (h: ModuleHarness) => {
    h.response.status(status).setHeader('content-type', 'text/html; charset=utf-8');
    await h.response.end(body);
  };

const staticFile =
  (body = text) =>
  async (h: ModuleHarness) => {
    h.response
      .setHeader('content-type', 'text/css')
      .setHeader('last-modified', new Date(0).toUTCString())
      .setHeader('etag', '"abc"')
      .setHeader('accept-ranges', 'bytes')
      .setHeader('content-length', body.length)
      .setKernelCache({ dependsOnFile: '/tmp/site.css' });
    await h.response.end(body);
  };

describe('DynamicCompressionModule', () => {
  it('compresses a whole response with gzip: Content-Encoding, Vary, and no stale Content-Length', async () => {
    const h = await serve({ headers: gzip }, html());
    const sent = h.response.sent!;
    expect(sent.headers['content-encoding']).toBe('gzip');
    expect(sent.headers.vary).toBe('Accept-Encoding');
    expect(sent.headers['content-length']).toBeUndefined();
    const bytes = Buffer.concat(sent.chunks);
    expect(bytes.length).toBeLessThan(text.length / 10);
    expect(gunzipSync(bytes).toString()).toBe(text);
  });

  it('prefers br when the client ranks it as high as gzip, and keeps a handler’s own Vary', async () => {
    const h = await serve({ headers: { 'accept-encoding': 'gzip, deflate, br' } }, async (r) => {
      r.response.setHeader('vary', 'Cookie');
      await html()(r);
    });
    expect(h.response.sent!.headers['content-encoding']).toBe('br');
    expect(h.response.sent!.headers.vary).toBe('Cookie, Accept-Encoding');
    expect(brotliDecompressSync(Buffer.concat(h.response.sent!.chunks)).toString()).toBe(text);
  });

  it('streams: every flushed chunk comes out compressed and decodable at once', async () => {
    const h = await serve({ headers: gzip }, async (r) => {
      r.response.setHeader('content-type', 'text/plain');
      await r.response.write('first piece\n');
      await r.response.write('second piece\n');
      await r.response.end('last piece\n');
    });
    const [first = Buffer.alloc(0), second = Buffer.alloc(0)] = h.response.sent!.chunks;
    const partial = (bytes: Buffer) => gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).toString();
    expect(partial(first)).toBe('first piece\n');
    expect(partial(Buffer.concat([first, second]))).toBe('first piece\nsecond piece\n');
    expect(gunzipSync(Buffer.concat(h.response.sent!.chunks)).toString()).toBe(
      'first piece\nsecond piece\nlast piece\n',
    );
  });

  it('streams br as well', async () => {
    const h = await serve({ headers: { 'accept-encoding': 'br' } }, async (r) => {
      r.response.setHeader('content-type', 'application/json');
      await r.response.write('{"a":');
      await r.response.end('1}');
    });
    const [first = Buffer.alloc(0)] = h.response.sent!.chunks;
    expect(brotliDecompressSync(first, { finishFlush: constants.BROTLI_OPERATION_FLUSH }).toString()).toBe(
      '{"a":',
    );
    expect(brotliDecompressSync(Buffer.concat(h.response.sent!.chunks)).toString()).toBe('{"a":1}');
  });

  it('leaves alone what is below minFileSizeForComp, refused with q=0, or of a type not listed', async () => {
    const small = await serve({ headers: gzip }, html('tiny'));
    expect(small.response.sent!.headers['content-encoding']).toBeUndefined();
    expect(small.response.body).toBe('tiny');
    const refused = await serve({ headers: { 'accept-encoding': 'gzip;q=0, br;q=0' } }, html());
    expect(refused.response.sent!.headers['content-encoding']).toBeUndefined();
    const png = await serve({ headers: gzip }, async (r) => {
      r.response.setHeader('content-type', 'image/png');
      await r.response.end(text);
    });
    expect(png.response.sent!.headers['content-encoding']).toBeUndefined();
    expect(png.response.body).toBe(text);
  });

  it('uses a declared Content-Length for the size of a streamed response', async () => {
    const h = await serve({ headers: gzip }, async (r) => {
      r.response.setHeader('content-type', 'text/plain').setHeader('content-length', 10);
      await r.response.write('01234');
      await r.response.end('56789');
    });
    expect(h.response.sent!.headers['content-encoding']).toBeUndefined();
    expect(h.response.sent!.headers['content-length']).toBe('10');
  });

  it('leaves HEAD, 206, 304, 204, no-transform and already encoded responses alone', async () => {
    const cases: [HarnessRequest, (h: ModuleHarness) => Promise<void>][] = [
      [{ method: 'HEAD', headers: gzip }, html()],
      [{ headers: gzip }, html(text, 206)],
      [{ headers: gzip }, html('', 304)],
      [{ headers: gzip }, html('', 204)],
      [
        { headers: gzip },
        async (r) => {
          r.response.setHeader('cache-control', 'public, no-transform');
          await html()(r);
        },
      ],
      [
        { headers: gzip },
        async (r) => {
          r.response.setHeader('content-encoding', 'identity-ish');
          await html()(r);
        },
      ],
    ];
    for (const [request, respond] of cases) {
      const h = await serve(request, respond);
      expect(h.response.sent!.headers['content-encoding'] ?? 'none').not.toBe('gzip');
      expect(h.response.body).toBe(
        h.response.sent!.status === 200 || h.response.sent!.status === 206 ? text : '',
      );
    }
  });

  it('honours noCompressionForHttp10, noCompressionForProxies and noCompressionForRange', async () => {
    for (const request of [
      { httpVersion: '1.0', headers: gzip },
      { headers: { ...gzip, via: '1.1 proxy' } },
      { headers: { ...gzip, range: 'bytes=0-10' } },
    ]) {
      const h = await serve(request, html());
      expect(h.response.sent!.headers['content-encoding']).toBeUndefined();
    }
    const allowed = webServerWith({
      httpCompression: { noCompressionForHttp10: false, noCompressionForProxies: false },
    });
    const h = await serve({ httpVersion: '1.0', headers: { ...gzip, via: '1.1 proxy' } }, html(), allowed);
    expect(h.response.sent!.headers['content-encoding']).toBe('gzip');
  });

  it('sends the cache headers with sendCacheHeaders, and keeps the response out of the cache without dynamicCompressionBeforeCache', async () => {
    const webServer = webServerWith({
      httpCompression: { sendCacheHeaders: true },
      urlCompression: { dynamicCompressionBeforeCache: false },
    });
    const h = await serve({ headers: gzip }, html(), webServer);
    expect(h.response.sent!.headers['cache-control']).toBe('max-age=86400');
    expect(h.response.sent!.headers.expires).toBe('Wed, 01 Jan 1997 12:00:00 GMT');
    expect(h.response.sent!.kernelCache).toEqual({ maxAgeMs: 0 });
  });

  it('does nothing when doDynamicCompression is off, or no scheme may compress dynamic responses', async () => {
    for (const overrides of [
      { urlCompression: { doDynamicCompression: false } },
      { httpCompression: { schemes: [{ name: 'gzip', doDynamicCompression: false }] } },
    ]) {
      const h = await serve({ headers: gzip }, html(), webServerWith(overrides), [dynamic]);
      expect(h.subscribed('SendResponse')).toBe(false);
      expect(h.response.sent!.headers['content-encoding']).toBeUndefined();
    }
  });

  it('passes a body a custom error page replaced through untouched', async () => {
    const h = await serve({ headers: gzip }, async (r) => {
      r.items.set(BODY_REPLACED, true);
      await html()(r);
    });
    expect(h.response.sent!.headers['content-encoding']).toBeUndefined();
    expect(h.response.body).toBe(text);
  });

  it('maps IIS levels onto zlib: a higher level compresses at least as well', async () => {
    const level = (n: number) =>
      webServerWith({ httpCompression: { schemes: [{ name: 'gzip', dynamicCompressionLevel: n }] } });
    const varied = Array.from({ length: 400 }, (_, i) => `line ${(i * 7919) % 1000} of a log\n`).join('');
    const fast = await serve({ headers: gzip }, html(varied), level(0));
    const best = await serve({ headers: gzip }, html(varied), level(10));
    const size = (h: ModuleHarness) => Buffer.concat(h.response.sent!.chunks).length;
    expect(size(best)).toBeLessThanOrEqual(size(fast));
    expect(gunzipSync(Buffer.concat(best.response.sent!.chunks)).toString()).toBe(varied);
  });
});

describe('StaticCompressionModule', () => {
  const fileRequest = { headers: gzip, path: '/site.css', mapping: staticMapping };

  it('compresses a static file only once it is frequently hit, and keeps the plain copy out of the cache meanwhile', async () => {
    const webServer = webServerWith({ serverRuntime: { frequentHitThreshold: 3 } });
    const modules = [dynamic, statics];
    const results: ModuleHarness[] = [];
    // One application's modules are initialised once; their hit counts live across its requests.
    const shared = await ModuleHarness.start(modules, webServer, fileRequest);
    for (let i = 0; i < 3; i += 1) {
      const h = shared.again(fileRequest);
      await staticFile()(h);
      results.push(h);
    }
    const encodings = results.map((h) => h.response.sent!.headers['content-encoding'] ?? 'identity');
    expect(encodings).toEqual(['identity', 'identity', 'gzip']);
    expect(results[0]!.response.sent!.kernelCache).toEqual({ maxAgeMs: 0 });
    const compressed = results[2]!.response.sent!;
    expect(compressed.headers.etag).toBe('W/"abc"');
    expect(compressed.headers['content-length']).toBeUndefined();
    expect(compressed.headers['accept-ranges']).toBeUndefined();
    expect(compressed.kernelCache).toEqual({ dependsOnFile: '/tmp/site.css' });
    expect(gunzipSync(Buffer.concat(compressed.chunks)).toString()).toBe(text);
  });

  it('compresses only StaticFile responses, and the dynamic module never touches them', async () => {
    const webServer = webServerWith({ serverRuntime: { frequentHitThreshold: 1 } });
    const onlyDynamic = await serve(fileRequest, staticFile(), webServer, [dynamic]);
    expect(onlyDynamic.response.sent!.headers['content-encoding']).toBeUndefined();
    const onlyStatic = await serve({ headers: gzip }, html(), webServer, [statics]);
    expect(onlyStatic.response.sent!.headers['content-encoding']).toBeUndefined();
    const both = await serve(fileRequest, staticFile(), webServer, [statics]);
    expect(both.response.sent!.headers['content-encoding']).toBe('gzip');
  });
});
