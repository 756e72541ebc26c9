import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { W3poolError } from '@w3pool/protocol';
import { customErrorModule } from './custom-error-module.js';
import { ModuleHarness, webServerWith, type HarnessRequest } from './pipeline-harness.js';

const remote = '203.0.113.9';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'w3pool-custom-errors-'));
  await writeFile(join(dir, '404.html'), '<p>custom 404</p>');
  await writeFile(join(dir, '404-3.html'), '<p>custom 404.3</p>');
  await writeFile(join(dir, 'default.html'), '<p>default page</p>');
  await writeFile(join(dir, 'oops.txt'), 'plain oops');
  for (const language of ['en-US', 'de-DE']) {
    await mkdir(join(dir, 'custerr', language), { recursive: true });
    await writeFile(join(dir, 'custerr', language, '500.htm'), `500 in ${language}`);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function harness(httpErrors: Record<string, unknown>, request: HarnessRequest = {}) {
  return ModuleHarness.start([customErrorModule], webServerWith({ httpErrors }, dir), {
    remoteAddress: remote,
    ...request,
  });
}

const notFound = () => new W3poolError('WORKER_NOT_FOUND', '/missing.html');
const handlerFailed = () => new W3poolError('WORKER_HANDLER_FAILED', 'TypeError: x is undefined');
const files = {
  errorMode: 'Custom',
  errors: [
    { statusCode: 404, path: '404.html' },
    { statusCode: 404, subStatusCode: 3, path: '404-3.html' },
    { statusCode: 500, path: '500.htm', prefixLanguageFilePath: 'custerr' },
    { statusCode: 418, path: 'oops.txt' },
  ],
};

describe('CustomErrorModule', () => {
  it('subscribes to nothing with IIS’s defaults and no pages: the built-in pages are those already', async () => {
    const h = await harness({});
    expect(['Error', 'SendResponse', 'ExecuteRequestHandler'].some((s) => h.subscribed(s as 'Error'))).toBe(
      false,
    );
  });

  it('answers with the File page of the status, keeping the status; the exact substatus wins over -1', async () => {
    const h = await harness(files);
    await h.fail(notFound());
    expect([h.response.sent!.status, h.response.body, h.response.sent!.headers['content-type']]).toEqual([
      404,
      '<p>custom 404</p>',
      'text/html',
    ]);
    const three = await harness(files);
    await three.fail(new W3poolError('EXT_STATIC_MIME_MAP_MISSING', '/x.unknown'));
    expect([three.response.sent!.status, three.response.sent!.substatus, three.response.body]).toEqual([
      404,
      3,
      '<p>custom 404.3</p>',
    ]);
    const typed = await harness(files);
    await typed.response.sendCustomError(418, 0);
    expect([typed.response.body, typed.response.sent!.headers['content-type']]).toEqual([
      'plain oops',
      'text/plain',
    ]);
  });

  it('picks the language folder from Accept-Language, falling back to en-US', async () => {
    const german = await harness(files, { headers: { 'accept-language': 'fr-FR, de-DE;q=0.8, en;q=0.5' } });
    await german.fail(handlerFailed());
    expect(german.response.body).toBe('500 in de-DE');
    const other = await harness(files, { headers: { 'accept-language': 'ja-JP, ../..' } });
    await other.fail(handlerFailed());
    expect(other.response.body).toBe('500 in en-US');
  });

  it('uses defaultPath for a status no entry names, and the built-in page when there is none', async () => {
    const h = await harness({ ...files, defaultPath: 'default.html' });
    await h.fail(new W3poolError('WORKER_VERB_NOT_ALLOWED', 'PUT /x'));
    expect([h.response.sent!.status, h.response.body]).toEqual([405, '<p>default page</p>']);
    const none = await harness(files);
    await none.fail(new W3poolError('WORKER_VERB_NOT_ALLOWED', 'PUT /x'));
    expect(none.builtIn).toBe(true);
  });

  it('falls back to the built-in page when the page file is missing: an error page never loops', async () => {
    const h = await harness({ errorMode: 'Custom', errors: [{ statusCode: 404, path: 'gone.html' }] });
    await h.fail(notFound());
    expect(h.builtIn).toBe(true);
    expect(h.response.sent!.status).toBe(404);
  });

  it('redirects with 302 in Redirect mode', async () => {
    const h = await harness({
      errorMode: 'Custom',
      errors: [{ statusCode: 404, path: '/search?missing=1', responseMode: 'Redirect' }],
    });
    await h.fail(notFound());
    expect([h.response.sent!.status, h.response.sent!.headers.location]).toEqual([302, '/search?missing=1']);
  });

  it('runs ExecuteURL pages as a GET child request that keeps the error’s status', async () => {
    const h = await harness(
      {
        errorMode: 'Custom',
        errors: [{ statusCode: 404, path: '/errors/404.page', responseMode: 'ExecuteURL' }],
      },
      { method: 'POST' },
    );
    let asked: unknown;
    h.response.child = async (url, options) => {
      asked = { url, method: options?.method, disableCustomError: options?.disableCustomError };
      // The child goes without the request's conditions: a 304 or 206 of the page would be the error's body.
      expect(options?.headers).toMatchObject({ range: '', 'if-none-match': '', 'if-modified-since': '' });
      h.response.status(200).setHeader('content-type', 'text/html').setHeader('etag', '"page"');
      await h.response.end(`child page for ${url}`);
    };
    await h.fail(notFound());
    expect(asked).toEqual({ url: '/errors/404.page', method: 'GET', disableCustomError: true });
    expect([h.response.sent!.status, h.response.body]).toEqual([404, 'child page for /errors/404.page']);
    expect(h.response.sent!.headers.etag).toBeUndefined();
  });

  it('falls back to the built-in page when the ExecuteURL page cannot run', async () => {
    const h = await harness({
      errorMode: 'Custom',
      errors: [{ statusCode: 404, path: '/other-app/404', responseMode: 'ExecuteURL' }],
    });
    h.response.child = () =>
      Promise.reject(new W3poolError('WORKER_EXEC_URL_OTHER_APPLICATION', '/other-app/404'));
    await h.fail(notFound());
    expect([h.builtIn, h.response.sent!.status]).toEqual([true, 404]);
  });

  describe('errorMode', () => {
    const pages = { errors: [{ statusCode: 500, path: 'default.html' }] };

    it('DetailedLocalOnly: the built-in detailed page for a loopback client, the custom page for others', async () => {
      const local = await harness(pages, { remoteAddress: '127.0.0.1' });
      await local.fail(handlerFailed());
      expect(local.builtIn).toBe(true);
      const far = await harness(pages);
      await far.fail(handlerFailed());
      expect(far.response.body).toBe('<p>default page</p>');
    });

    it('Detailed: the detail for every client', async () => {
      const far = await harness({ ...pages, errorMode: 'Detailed' });
      await far.fail(handlerFailed());
      expect(far.builtIn).toBe(false);
      expect(far.response.body).toContain('TypeError: x is undefined');
      expect(far.response.body).toContain('HTTP Error 500.0');
    });

    it('Custom: never the detail, not even for a loopback client without a page', async () => {
      const local = await harness({ errorMode: 'Custom' }, { remoteAddress: '::1' });
      await local.fail(handlerFailed());
      expect(local.builtIn).toBe(false);
      expect(local.response.body).toContain('HTTP Error 500.0');
      expect(local.response.body).not.toContain('TypeError');
    });
  });

  describe('existingResponse', () => {
    const handlerWrites = async (h: ModuleHarness) => {
      await h.notify('ExecuteRequestHandler');
      h.response.status(404).setHeader('content-type', 'application/json').setHeader('etag', '"e"');
      await h.response.write('{"error":');
      await h.response.end('"its own"}');
    };

    it('Auto leaves an error response a handler wrote itself', async () => {
      const h = await harness(files);
      await handlerWrites(h);
      expect([h.response.sent!.status, h.response.body]).toEqual([404, '{"error":"its own"}']);
    });

    it('Replace replaces it, head and body, even while the handler is still writing', async () => {
      const h = await harness({ ...files, existingResponse: 'Replace' });
      await handlerWrites(h);
      expect(h.response.sent!.status).toBe(404);
      expect(h.response.sent!.headers['content-type']).toBe('text/html');
      expect(h.response.sent!.headers.etag).toBeUndefined();
      expect(h.response.body).toBe('<p>custom 404</p>');
    });

    it('Replace redirects in Redirect mode, and uses the built-in page for ExecuteURL or without a page', async () => {
      const redirect = await harness({
        errorMode: 'Custom',
        existingResponse: 'Replace',
        errors: [{ statusCode: 404, path: '/lost', responseMode: 'Redirect' }],
      });
      await handlerWrites(redirect);
      expect([redirect.response.sent!.status, redirect.response.sent!.headers.location]).toEqual([
        302,
        '/lost',
      ]);
      const none = await harness({ errorMode: 'Custom', existingResponse: 'Replace' });
      await handlerWrites(none);
      expect(none.response.body).toContain('HTTP Error 404.0');
    });

    it('Replace leaves successful responses and the pages of errors alone', async () => {
      const ok = await harness({ ...files, existingResponse: 'Replace' });
      await ok.response.end('fine');
      expect(ok.response.body).toBe('fine');
      const page = await harness({ ...files, existingResponse: 'Replace' });
      await page.fail(notFound());
      expect(page.response.body).toBe('<p>custom 404</p>');
      const builtIn = await harness(
        { errorMode: 'Custom', existingResponse: 'Replace' },
        { remoteAddress: remote },
      );
      await builtIn.fail(notFound());
      expect(builtIn.response.body).toContain('WORKER_NOT_FOUND');
    });

    it('PassThrough leaves what the handler throws to the built-in page, but answers sendCustomError and server errors', async () => {
      const settings = { ...files, existingResponse: 'PassThrough' };
      const thrown = await harness(settings);
      await thrown.notify('ExecuteRequestHandler');
      await thrown.fail(handlerFailed());
      expect(thrown.builtIn).toBe(true);
      const asked = await harness(settings);
      await asked.notify('ExecuteRequestHandler');
      await asked.response.sendCustomError(404, 0);
      expect(asked.response.body).toBe('<p>custom 404</p>');
      const server = await harness(settings);
      await server.fail(notFound());
      expect(server.response.body).toBe('<p>custom 404</p>');
    });
  });
});
