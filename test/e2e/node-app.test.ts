import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { repoRoot } from '../helpers/service-process.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

const fixtures = join(repoRoot, 'test/fixtures/node-app');
const MB = 1024 * 1024;

/** The handler mapping of docs/node-apps.md: every request of the application to its server.js. */
const NODE_APP_MAPPING = {
  name: 'NodeApp',
  path: '*',
  verb: '*',
  modules: 'NodeAppModule',
  scriptProcessor: 'server.js',
};

function config(port: number, restartRoot: string) {
  const app = (path: string, root: string) => ({
    path,
    applicationPool: 'NodeApps',
    virtualDirectories: [{ path: '/', physicalPath: root }],
  });
  return {
    applicationPools: [{ name: 'NodeApps', startMode: 'AlwaysRunning' }],
    sites: [
      {
        name: 'Node',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
        applications: [
          app('/', join(fixtures, 'express')),
          app('/plain', join(fixtures, 'plain')),
          app('/listen', join(fixtures, 'listen')),
          app('/broken', join(fixtures, 'broken')),
          app('/restart', restartRoot),
        ],
      },
    ],
    webServer: {
      handlers: { list: [NODE_APP_MAPPING] },
      // The default (30,000,000 bytes) already admits the 10 MB upload; said here as the docs say it.
      requestFiltering: { requestLimits: { maxAllowedContentLength: 64 * MB } },
    },
  };
}

/** A response read as it arrives: resolves at its head; `next()` waits for the next chunk. */
function openStream(
  url: string,
): Promise<{ res: IncomingMessage; next(): Promise<string>; rest(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.setEncoding('utf8');
      resolve({
        res,
        next: async () => String(((await once(res, 'data')) as [string])[0]),
        rest: async () => {
          let text = '';
          res.on('data', (chunk: string) => (text += chunk));
          await once(res, 'end');
          return text;
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** POST `body` with `Expect: 100-continue`, sending it only after the interim 100 arrives. */
function postExpectingContinue(
  url: string,
  body: string,
): Promise<{ continued: boolean; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: {
        expect: '100-continue',
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
}

/** Upload `total` bytes of a fixed pattern honouring backpressure; the response and the bytes' SHA-256. */
function upload(url: string, total: number): Promise<{ status: number; body: string; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-length': total } });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          sha256: hash.digest('hex'),
        }),
      );
    });
    req.on('error', reject);
    const block = Buffer.alloc(256 * 1024);
    for (let i = 0; i < block.length; i += 1) block[i] = (i * 31) & 0xff;
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = block.subarray(0, Math.min(block.length, total - sent));
        sent += piece.length;
        hash.update(piece);
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

// Unmodified Node applications (a real Express 5 app, a plain CommonJS listener, one that calls listen()
// itself) served by NodeAppModule through listener → Redis pool queue → worker process → application domain.
describe('Node applications (NodeAppModule)', () => {
  let system: RunningSystem;
  let restartRoot: string;
  printOutputOnFailure(() => system);

  beforeAll(async () => {
    restartRoot = await mkdtemp(join(tmpdir(), 'w3pool-node-app-'));
    await cp(join(fixtures, 'plain'), restartRoot, { recursive: true });
    system = await startSystem({ workers: ['NodeApps'], config: ([port]) => config(port!, restartRoot) });
    await system.worker.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
    await rm(restartRoot, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    httpRequest(`${system.baseUrl}${path}`, { headers });

  describe('a real Express app', () => {
    it('answers with its status and headers, and sees the request as Express would', async () => {
      const res = await get('/headers?a=1', { 'x-custom': 'from the test' });
      expect(res.status).toBe(203);
      expect(res.headers['x-app']).toBe('express-fixture');
      expect(res.headers['x-powered-by']).toBe('Express');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(String(res.headers['x-w3pool-worker'])).toMatch(/^NodeApps\/\d+$/);
      expect(JSON.parse(res.body)).toEqual({
        method: 'GET',
        url: '/headers?a=1',
        host: `127.0.0.1:${system.port}`,
        custom: 'from the test',
        ip: '127.0.0.1',
        protocol: 'http',
        query: { a: '1' },
        applMdPath: '/LM/W3SVC/1/ROOT',
      });
    });

    it('answers HEAD with the length and no body', async () => {
      const res = await httpRequest(`${system.baseUrl}/`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe(String('hello from express'.length));
      expect(res.body).toBe('');
    });

    it('sets cookies, and reads the cookies the client sends back', async () => {
      const set = await get('/cookie/set');
      expect(set.headers['set-cookie']).toEqual(['session=abc123; Path=/; HttpOnly', 'theme=dark; Path=/']);
      const cookie = (set.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
      const read = await get('/cookie/read', { cookie });
      expect(JSON.parse(read.body)).toEqual({ session: 'abc123', theme: 'dark' });
    });

    it('redirects with res.redirect()', async () => {
      const found = await get('/redirect');
      expect(found.status).toBe(302);
      expect(found.headers.location).toBe('/target');
      expect(found.body).toBe('Found. Redirecting to /target');
      const moved = await get('/redirect/permanent');
      expect(moved.status).toBe(301);
      expect(moved.headers.location).toBe('/target');
    });

    it('streams: the first chunk arrives while the end of the response does not exist yet', async () => {
      const stream = await openStream(`${system.baseUrl}/stream?id=s1`);
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['transfer-encoding']).toBe('chunked');
      expect(await stream.next()).toBe('first chunk\n');
      // Only now is the rest written, at the client's request.
      const rest = stream.rest();
      expect((await get('/stream/release?id=s1')).body).toBe('released');
      expect(await rest).toBe('second chunk\n');
    });

    it('tells the application when the client leaves: the response closes unfinished', async () => {
      const stream = await openStream(`${system.baseUrl}/stream?id=s2`);
      expect(await stream.next()).toBe('first chunk\n');
      stream.res.destroy();
      await eventually(async () => {
        const status = JSON.parse((await get('/stream/status?id=s2')).body) as { closedUnfinished: boolean };
        return status.closedUnfinished ? true : undefined;
      }, 'the application to see its response close');
    });

    it('parses a JSON body with express.json()', async () => {
      const res = await httpRequest(`${system.baseUrl}/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pool: 'NodeApps', n: 3 }),
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ received: { pool: 'NodeApps', n: 3 } });
    });

    it('reads a 10 MB upload as a stream: its length and hash arrive intact', async () => {
      const sent = await upload(`${system.baseUrl}/upload`, 10 * MB);
      expect(sent.status).toBe(200);
      expect(JSON.parse(sent.body)).toEqual({ length: 10 * MB, sha256: sent.sha256 });
    });

    it('answers 500 for a thrown error, sync or async, and serves the next request', async () => {
      const sync = await get('/error/sync');
      expect(sync.status).toBe(500);
      expect(sync.body).toContain('sync failure on purpose');
      const rejected = await get('/error/async');
      expect(rejected.status).toBe(500);
      expect(rejected.body).toContain('async failure on purpose');
      const next = await get('/');
      expect(next.status).toBe(200);
      expect(next.body).toBe('hello from express');
    });

    it('runs the background processors the entry module exports, for jobs the app queues', async () => {
      const queued = await httpRequest(`${system.baseUrl}/jobs?n=21`, { method: 'POST' });
      expect(queued.status).toBe(202);
      const { id } = JSON.parse(queued.body) as { id: string };
      const done = await eventually(async () => {
        const res = await get(`/jobs/${id}`);
        return res.status === 200 ? (JSON.parse(res.body) as { result: number }) : undefined;
      }, 'the job to run');
      expect(done.result).toBe(42);
      await system.worker.waitForLine(/"kind":"Express app","backgroundProcessors":\["double"\]/);
    });

    it('refuses a WebSocket upgrade with 501', async () => {
      const res = await get('/', {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
      });
      expect(res.status).toBe(501);
      expect(res.body).toContain('EXT_NODE_APP_UPGRADE_NOT_SUPPORTED');
      expect((await get('/')).status).toBe(200);
    });
  });

  describe('a plain (req, res) listener', () => {
    it('serves a CommonJS module.exports listener, with the whole URL', async () => {
      const res = await get('/plain/hello?x=1');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ greeting: 'hello', url: '/plain/hello?x=1' });
    });

    it('honours Expect: 100-continue: the body is sent after the interim response, and echoed', async () => {
      const res = await postExpectingContinue(`${system.baseUrl}/plain/echo`, 'sent after 100 Continue');
      expect(res).toEqual({ continued: true, status: 200, body: 'sent after 100 Continue' });
    });

    it('answers 500 EXT_NODE_APP_FAILED when the listener throws, and serves the next request', async () => {
      const res = await get('/plain/throw');
      expect(res.status).toBe(500);
      expect(res.body).toContain('EXT_NODE_APP_FAILED');
      expect(res.body).toContain('the plain handler throws on purpose');
      expect((await get('/plain/')).status).toBe(200);
    });
  });

  it('serves an application that calls listen() itself, binding nothing', async () => {
    const res = await get('/listen/x');
    expect(res.status).toBe(200);
    expect(res.body).toBe('served by the server that asked to listen on 3000: /listen/x\n');
  });

  it('answers 500.30 for an application that fails to start; the others keep serving', async () => {
    const res = await get('/broken/');
    expect(res.status).toBe(500);
    expect(res.body).toContain('HTTP Error 500.30');
    expect(res.body).toContain('EXT_NODE_APP_START_FAILED');
    expect(res.body).toContain('the broken fixture fails at load on purpose');
    await system.worker.waitForLine(/node application failed to start/);
    expect((await get('/plain/')).status).toBe(200);
  });

  it('restarts the application alone when one of its files changes, loading the new code', async () => {
    const before = JSON.parse((await get('/restart/')).body) as { greeting: string; threadId: number };
    const express = JSON.parse((await get('/domain')).body) as { threadId: number };
    expect(before.greeting).toBe('hello');
    await writeFile(join(restartRoot, 'greeting.json'), JSON.stringify({ greeting: 'changed on disk' }));
    const after = await eventually(async () => {
      const now = JSON.parse((await get('/restart/')).body) as { greeting: string; threadId: number };
      return now.greeting === 'changed on disk' ? now : undefined;
    }, 'the restarted application');
    expect(after.threadId).not.toBe(before.threadId);
    // The Express application, in its own domain, was not restarted.
    expect(JSON.parse((await get('/domain')).body)).toEqual(expect.objectContaining(express));
  });
});
