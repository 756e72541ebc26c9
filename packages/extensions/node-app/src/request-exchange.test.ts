import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PeerCertificate } from 'node:tls';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeAppRequest } from './incoming-message.js';
import { RequestExchange, type ServeRequest } from './request-exchange.js';
import {
  FakeBody,
  fakeRequest,
  RecordingBackgroundJobs,
  RecordingLog,
  RecordingResponse,
  type FakeRequestInit,
} from '@w3pool/extension-sdk/testing';

// The adapter with Node's own IncomingMessage and ServerResponse: what an application does to them must
// reach the SDK's response as Node's server would have put it on the wire.

function setup(options: FakeRequestInit = {}, body = new FakeBody()) {
  const request = fakeRequest({ body, ...options });
  const response = new RecordingResponse();
  const log = new RecordingLog();
  const exchange = new RequestExchange(
    request,
    response,
    { request, backgroundJobs: new RecordingBackgroundJobs() },
    log,
  );
  const run = (serve: ServeRequest, signal = new AbortController().signal) => exchange.run(serve, signal);
  return { request, response, log, exchange, run, body };
}

/** Everything queued on microtasks and nextTick has run: what an async pull would do, it has done. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RequestExchange: the request', () => {
  it('is a Node request: method, raw URL, headers and rawHeaders as sent, version and socket', async () => {
    const { run } = setup({
      method: 'GET',
      url: '/a%20b?x=1',
      httpVersion: '1.0',
      https: true,
      remotePort: 50123,
      headers: ['Host', 'w3pool.test', 'X-Tag', 'one', 'x-tag', 'two', 'Cookie', 'a=1', 'Cookie', 'b=2'],
    });
    let seen: Record<string, unknown> = {};
    await run((req, res) => {
      const socket = req.socket as unknown as Record<string, unknown>;
      seen = {
        method: req.method,
        url: req.url,
        version: [req.httpVersion, req.httpVersionMajor, req.httpVersionMinor],
        tag: req.headers['x-tag'],
        cookie: req.headers.cookie,
        raw: req.rawHeaders,
        distinct: req.headersDistinct['x-tag'],
        remote: [socket.remoteAddress, socket.remotePort],
        // on-finished (body-parser, finalhandler) takes a request on a socket that is not readable as ended.
        readable: socket.readable,
        encrypted: socket.encrypted,
        sdkRequest: req.w3pool.request.id,
      };
      res.end();
    });
    expect(seen).toEqual({
      method: 'GET',
      url: '/a%20b?x=1',
      version: ['1.0', 1, 0],
      tag: 'one, two',
      cookie: 'a=1; b=2',
      raw: ['Host', 'w3pool.test', 'X-Tag', 'one', 'x-tag', 'two', 'Cookie', 'a=1', 'Cookie', 'b=2'],
      distinct: ['one', 'two'],
      remote: ['127.0.0.1', 50123],
      readable: true,
      encrypted: true,
      sdkRequest: 'r1',
    });
  });

  it('has no encrypted socket over plain HTTP', async () => {
    const { run } = setup();
    let encrypted: unknown = 'unset';
    await run((req, res) => {
      encrypted = (req.socket as unknown as { encrypted?: boolean }).encrypted;
      res.end();
    });
    expect(encrypted).toBeUndefined();
  });

  describe('over https with a client certificate', () => {
    let dir: string;
    let pem: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'w3pool-node-app-cert-'));
      const [cert, key] = [join(dir, 'alice.crt'), join(dir, 'alice.key')];
      await promisify(execFile)('openssl', [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', key, '-subj', '/O=Contoso/CN=alice', '-days', '2', '-out', cert],
      ]);
      pem = await readFile(cert, 'utf8');
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const socketOf = async (serverVariables: Record<string, string>, https = true) => {
      const { run } = setup({ https, serverVariables });
      let seen: { authorized: unknown; peer: PeerCertificate | Record<string, never> | undefined } = {
        authorized: 'unset',
        peer: undefined,
      };
      await run((req, res) => {
        const socket = req.socket as unknown as {
          authorized?: boolean;
          getPeerCertificate(): PeerCertificate | Record<string, never> | undefined;
        };
        seen = { authorized: socket.authorized, peer: socket.getPeerCertificate() };
        res.end();
      });
      return seen;
    };

    it('reads as TLSSocket: authorized, and getPeerCertificate() from SSL_CLIENT_CERT', async () => {
      const { authorized, peer } = await socketOf({ SSL_CLIENT_CERT: pem, CERT_FLAGS: '1' });
      expect(authorized).toBe(true);
      expect(peer).toMatchObject({
        subject: { O: 'Contoso', CN: 'alice' },
        fingerprint256: new X509Certificate(pem).fingerprint256,
      });
    });

    it('is not authorized for a certificate of an untrusted issuer, or none; and is a plain socket over HTTP', async () => {
      expect((await socketOf({ SSL_CLIENT_CERT: pem, CERT_FLAGS: '3' })).authorized).toBe(false);
      expect(await socketOf({ SSL_CLIENT_CERT: '', CERT_FLAGS: '0' })).toEqual({
        authorized: false,
        peer: {},
      });
      expect(await socketOf({}, false)).toEqual({ authorized: undefined, peer: undefined });
    });
  });

  it('ends a request without a body at once, without asking the SDK for one', async () => {
    const { run, body } = setup({ contentLength: -1 });
    await run(async (req, res) => {
      req.resume();
      await once(req, 'end');
      res.end(String(req.complete));
    });
    expect(body.pulls).toBe(0);
  });

  it('pulls the body only as the application reads it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const { run, body, response } = setup({ method: 'POST', contentLength: 10 * chunk.length });
    for (let i = 0; i < 10; i += 1) body.push(chunk);
    body.push(null);
    await run(async (req, res) => {
      await settled();
      // Nobody reads yet: nothing asked for.
      expect(body.pulls).toBe(0);
      req.once('data', () => req.pause());
      await once(req, 'pause');
      await settled();
      // Paused after the first chunk: at most what fills the stream's buffer was asked for, not all ten.
      expect(body.pulls).toBeLessThanOrEqual(3);
      let total = 0;
      req.on('data', (data: Buffer) => (total += data.length));
      req.resume();
      await once(req, 'end');
      res.end(String(total + chunk.length));
    });
    expect(response.body).toBe(String(10 * chunk.length));
  });

  it('fails the request body when the SDK stream fails, as a reset connection would', async () => {
    const failing = fakeRequest({
      method: 'POST',
      contentLength: 10,
      body: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('client went away')) }),
      }),
    });
    const response = new RecordingResponse();
    const exchange = new RequestExchange(
      failing,
      response,
      { request: failing, backgroundJobs: new RecordingBackgroundJobs() },
      new RecordingLog(),
    );
    let seen: Error | undefined;
    const running = exchange.run((req) => {
      req.on('error', (error) => (seen = error));
      req.resume();
    }, new AbortController().signal);
    await expect(running).rejects.toThrow('client went away');
    expect(seen?.message).toBe('client went away');
  });
});

describe('RequestExchange: the response', () => {
  it('passes status, headers and body; Content-Length from end(), no Date or connection headers', async () => {
    const { run, response, exchange } = setup();
    await run((_req, res) => {
      res.statusCode = 201;
      res.setHeader('X-A', '1');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.end('created');
    });
    expect(response.statusCode).toBe(201);
    expect(Object.fromEntries(response.headers)).toEqual({
      'x-a': '1',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '7',
    });
    expect(response.body).toBe('created');
    expect(response.ended).toBe(true);
    expect(exchange.res.headersSent).toBe(true);
  });

  it('passes headers given to writeHead() only, which Node never stores', async () => {
    const { run, response } = setup();
    await run((_req, res) => {
      res.writeHead(404, 'Gone Fishing', { 'Content-Type': 'text/plain' });
      res.end('nope');
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/plain');
  });

  it('streams a body without Content-Length with Node framing removed, and keeps its trailers', async () => {
    const { run, response, exchange } = setup();
    await run((_req, res) => {
      res.setHeader('Trailer', 'X-Sum');
      res.write('a');
      res.write(Buffer.from('b'));
      res.addTrailers({ 'X-Sum': '3' });
      res.end('c');
    });
    expect(response.body).toBe('abc');
    expect(response.headers.has('transfer-encoding')).toBe(false);
    expect(response.headers.has('trailer')).toBe(false);
    expect(exchange.trailers).toEqual(['X-Sum', '3']);
  });

  it('sends no body for HEAD but keeps the length', async () => {
    const { run, response } = setup({ method: 'HEAD' });
    await run((_req, res) => {
      res.setHeader('Content-Length', 4);
      res.end();
    });
    expect(response.body).toBe('');
    expect(response.headers.get('content-length')).toBe('4');
  });

  it('returns false from write() until the SDK takes the chunk, then emits drain', async () => {
    const { run, response } = setup();
    response.hold();
    let released = false;
    await run(async (_req, res) => {
      expect(res.write(Buffer.alloc(64 * 1024))).toBe(false);
      const drained = once(res, 'drain').then(() => released);
      setImmediate(() => {
        released = true;
        response.release();
      });
      expect(await drained).toBe(true);
      res.end('!');
    });
    expect(response.chunks.reduce((n, c) => n + c.length, 0)).toBe(64 * 1024 + 1);
  });

  it('drops interim responses: the listener answered Expect: 100-continue itself', async () => {
    const { run, response } = setup({
      method: 'POST',
      contentLength: 2,
      headers: ['Host', 'w3pool.test', 'Expect', '100-continue'],
    });
    let expectsContinue = false;
    await run((_req, res, expects) => {
      expectsContinue = expects;
      res.writeContinue();
      res.writeHead(417);
      res.end();
    });
    expect(expectsContinue).toBe(true);
    expect(response.statusCode).toBe(417);
    expect(response.body).toBe('');
  });

  it('sends the head with the first bytes after flushHeaders()', async () => {
    const { run, response } = setup();
    await run((_req, res) => {
      res.statusCode = 202;
      res.flushHeaders();
      res.end('later');
    });
    expect(response.statusCode).toBe(202);
    expect(response.body).toBe('later');
  });

  it("emits the response's 'finish' and then 'close'", async () => {
    const { run } = setup();
    const events: string[] = [];
    let closed: Promise<unknown> = Promise.resolve();
    await run((_req, res) => {
      res.on('finish', () => events.push('finish'));
      closed = once(res, 'close').then(() => events.push('close'));
      res.end();
    });
    await closed;
    expect(events).toEqual(['finish', 'close']);
  });
});

describe('RequestExchange: failures', () => {
  it('fails with EXT_NODE_APP_FAILED when the application throws', async () => {
    const { run } = setup();
    await expect(
      run(() => {
        throw new Error('sync boom');
      }),
    ).rejects.toMatchObject({ code: 'EXT_NODE_APP_FAILED', status: 500, message: /sync boom/ });
  });

  it('fails with EXT_NODE_APP_FAILED when its promise rejects', async () => {
    const { run } = setup();
    await expect(run(() => Promise.reject(new Error('async boom')))).rejects.toMatchObject({
      code: 'EXT_NODE_APP_FAILED',
      message: /async boom/,
    });
  });

  it('fails when the application destroys its response unfinished', async () => {
    const { run } = setup();
    await expect(run((_req, res) => res.destroy())).rejects.toMatchObject({
      message: /destroyed its response/,
    });
  });

  it('completes, and logs, when the application fails after ending its response', async () => {
    const { run, response, log } = setup();
    await run(async (_req, res) => {
      res.end('done');
      await Promise.resolve();
      throw new Error('late boom');
    });
    expect(response.body).toBe('done');
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'the application failed after it ended its response',
      }),
    );
  });

  it("emits 'aborted' and 'close' on the request and 'close' on the response when the client leaves", async () => {
    const { run } = setup({ method: 'POST', contentLength: 100 });
    const controller = new AbortController();
    const events: string[] = [];
    let closed: Promise<unknown> = Promise.resolve();
    await run((req: NodeAppRequest, res: ServerResponse) => {
      req.on('aborted', () => events.push('req aborted'));
      req.on('error', (error) => events.push(`req error ${error.message}`));
      const reqClosed = new Promise((resolve) => req.on('close', resolve)).then(() =>
        events.push('req close'),
      );
      const resClosed = new Promise((resolve) => res.on('close', resolve)).then(() =>
        events.push('res close'),
      );
      closed = Promise.all([reqClosed, resClosed]);
      controller.abort();
    }, controller.signal);
    await closed;
    expect(events).toEqual(
      expect.arrayContaining(['req aborted', 'req error aborted', 'req close', 'res close']),
    );
    expect(events[0]).toBe('req aborted');
  });
});
