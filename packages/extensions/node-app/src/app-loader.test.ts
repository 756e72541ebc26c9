import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryModulePath, loadNodeApp, type NodeApp } from './app-loader.js';
import { registerBackgroundProcessors } from './background-processors.js';
import { listenInterceptor } from './listen-interceptor.js';
import { RequestExchange } from './request-exchange.js';
import {
  FakeBody,
  fakeRequest,
  RecordingBackgroundJobs,
  RecordingLog,
  RecordingResponse,
  type FakeRequestInit,
} from '@w3pool/extension-sdk/testing';

// Entry modules of every kind the loader accepts, written to a temporary directory and imported as the
// domain imports them.

let dir: string;
const write = async (name: string, source: string) => {
  const file = join(dir, name);
  await writeFile(file, source);
  return file;
};

/** One request through the loaded application; its status and body. */
async function serve(app: NodeApp, options: FakeRequestInit = {}) {
  const request = fakeRequest({ body: new FakeBody(), ...options });
  const response = new RecordingResponse();
  const exchange = new RequestExchange(
    request,
    response,
    { request, backgroundJobs: new RecordingBackgroundJobs() },
    new RecordingLog(),
  );
  await exchange.run(app.serve, new AbortController().signal);
  return { status: response.statusCode, body: response.body };
}

/** A port nothing listens on now (net.Server: the interceptor only takes over http.Server). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'w3pool-node-app-'));
});
afterAll(async () => {
  listenInterceptor.restore();
  await rm(dir, { recursive: true, force: true });
});

describe('loadNodeApp', () => {
  it('serves an ES module whose default export is a (req, res) listener', async () => {
    const app = await loadNodeApp(
      await write('esm.mjs', `export default (req, res) => res.end('esm ' + req.url);`),
      1000,
    );
    expect(app.kind).toBe('request listener');
    expect(await serve(app, { url: '/x?y=1' })).toEqual({ status: 200, body: 'esm /x?y=1' });
  });

  it('serves a CommonJS module.exports listener, and a default compiled from an ES module', async () => {
    const cjs = await loadNodeApp(
      await write('cjs.cjs', `module.exports = (req, res) => res.end('cjs');`),
      1000,
    );
    expect((await serve(cjs)).body).toBe('cjs');
    const interop = await loadNodeApp(
      await write(
        'interop.cjs',
        `Object.defineProperty(exports, '__esModule', { value: true });\nexports.default = (req, res) => res.end('interop');`,
      ),
      1000,
    );
    expect((await serve(interop)).body).toBe('interop');
  });

  it("serves an http.Server that was never started through its events, 'checkContinue' included", async () => {
    const app = await loadNodeApp(
      await write(
        'server.mjs',
        `import { createServer } from 'node:http';
const server = createServer((req, res) => res.end('from the server'));
server.on('checkContinue', (req, res) => { res.writeHead(417); res.end(); });
export default server;`,
      ),
      1000,
    );
    expect(app.kind).toBe('http.Server');
    expect((await serve(app)).body).toBe('from the server');
    const expecting = await serve(app, {
      method: 'POST',
      contentLength: 1,
      headers: ['Host', 'x', 'Expect', '100-continue'],
    });
    expect(expecting.status).toBe(417);
  });

  it('serves an app with callback() and use(), the shape of a Koa app', async () => {
    const app = await loadNodeApp(
      await write(
        'koa-shaped.mjs',
        `export default { use() { return this; }, callback() { return (req, res) => res.end('callback'); } };`,
      ),
      1000,
    );
    expect(app.kind).toBe('Koa app');
    expect((await serve(app)).body).toBe('callback');
  });

  it('serves a Fastify instance once it is ready, and closes it with its onClose hooks', async () => {
    // The workspace's own Fastify (WAS uses it): a real instance, not a look-alike.
    const fastifyEntry = createRequire(
      new URL('../../../../services/was/package.json', import.meta.url),
    ).resolve('fastify');
    const app = await loadNodeApp(
      await write(
        'fastify-app.mjs',
        `import Fastify from ${JSON.stringify(pathToFileURL(fastifyEntry).href)};
const app = Fastify();
app.get('/hello', async (request) => ({ hello: request.query.name, ip: request.ip }));
app.addHook('onClose', async () => { globalThis.fastifyClosed = true; });
export default app;`,
      ),
      5000,
    );
    expect(app.kind).toBe('Fastify app');
    const answer = await serve(app, { url: '/hello?name=w3pool' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ hello: 'w3pool', ip: '127.0.0.1' });
    await app.close();
    expect((globalThis as { fastifyClosed?: boolean }).fastifyClosed).toBe(true);
  });

  it('takes the server of a module that calls listen() itself, without binding its port', async () => {
    const port = await freePort();
    const app = await loadNodeApp(
      await write(
        'listens.mjs',
        `import { createServer } from 'node:http';
const server = createServer((req, res) => res.end('listening on ' + server.address().port));
server.listen(${port}, () => { globalThis.listenCallback = server.listening; });`,
      ),
      1000,
    );
    expect(app.kind).toBe(`http.Server (listen ${port} intercepted)`);
    expect((await serve(app)).body).toBe(`listening on ${port}`);
    // 'listening' comes on a later tick, as after a real bind; a macrotask later it has come.
    await new Promise((resolve) => setImmediate(resolve));
    expect((globalThis as { listenCallback?: boolean }).listenCallback).toBe(true);
    expect(await canBind(port)).toBe(true);
  });

  it('waits for a listen() that comes after the module has loaded', async () => {
    const app = await loadNodeApp(
      await write(
        'late.mjs',
        `import { createServer } from 'node:http';
setImmediate(() => createServer((req, res) => res.end('late')).listen(0));`,
      ),
      5000,
    );
    expect((await serve(app)).body).toBe('late');
  });

  it('fails with 500.30 when the entry module throws while loading', async () => {
    const entry = await write('throws.mjs', `throw new Error('cannot reach the database');`);
    await expect(loadNodeApp(entry, 1000)).rejects.toMatchObject({
      code: 'EXT_NODE_APP_START_FAILED',
      status: 500,
      substatus: 30,
      detail: expect.stringContaining('cannot reach the database'),
    });
  });

  it('fails with 500.30 when the entry module does not exist', async () => {
    await expect(loadNodeApp(join(dir, 'missing.js'), 1000)).rejects.toMatchObject({
      code: 'EXT_NODE_APP_START_FAILED',
    });
  });

  it('fails with EXT_NODE_APP_NOT_SERVABLE when the export cannot serve', async () => {
    const entry = await write('settings.mjs', `export default { port: 3000 };`);
    await expect(loadNodeApp(entry, 1000)).rejects.toMatchObject({
      code: 'EXT_NODE_APP_NOT_SERVABLE',
      detail: expect.stringContaining('an object with port'),
    });
  });

  it('fails with 500.37 when nothing is exported and listen() never comes', async () => {
    const entry = await write('nothing.mjs', `export const unrelated = 1;`);
    await expect(loadNodeApp(entry, 100)).rejects.toMatchObject({
      code: 'EXT_NODE_APP_START_TIMEOUT',
      substatus: 37,
    });
  });
});

describe('entryModulePath', () => {
  const mapping = { name: 'NodeApp', path: '*', scriptProcessor: 'server.js' };

  it("resolves scriptProcessor against the application's root unless it is absolute", () => {
    expect(entryModulePath(mapping, '/srv/app')).toBe('/srv/app/server.js');
    expect(entryModulePath({ ...mapping, scriptProcessor: 'dist/main.js' }, '/srv/app')).toBe(
      '/srv/app/dist/main.js',
    );
    expect(entryModulePath({ ...mapping, scriptProcessor: '/opt/app/index.mjs' }, '/srv/app')).toBe(
      '/opt/app/index.mjs',
    );
  });

  it("takes an iisnode mapping's path as the entry module", () => {
    expect(entryModulePath({ name: 'iisnode', path: 'app.js', scriptProcessor: '' }, '/srv/app')).toBe(
      '/srv/app/app.js',
    );
  });

  it('refuses a mapping that names no entry module', () => {
    expect(() => entryModulePath({ ...mapping, scriptProcessor: '' }, '/srv/app')).toThrow(
      /names no entry module/,
    );
  });
});

describe('registerBackgroundProcessors', () => {
  it('declares each exported processor to the background jobs', async () => {
    const jobs = new RecordingBackgroundJobs();
    const names = registerBackgroundProcessors(
      { backgroundProcessors: { double: (job: { data: number }) => job.data * 2 } },
      jobs,
    );
    expect(names).toEqual(['double']);
    const result = await jobs.processors.get('double')!({
      id: '1',
      name: 'double',
      data: 21,
      attemptsMade: 0,
    });
    expect(result).toBe(42);
  });

  it('finds them on module.exports too, and refuses one that is not a function', () => {
    const jobs = new RecordingBackgroundJobs();
    const app = Object.assign(() => undefined, { backgroundProcessors: { mail: () => 'sent' } });
    expect(registerBackgroundProcessors({ default: app }, jobs)).toEqual(['mail']);
    expect(() => registerBackgroundProcessors({ backgroundProcessors: { mail: 'x' } }, jobs)).toThrow(
      /backgroundProcessors.mail is not a function/,
    );
  });
});
