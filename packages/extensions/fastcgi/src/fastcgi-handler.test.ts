import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExtensionContext, HandlerRequest, WebServer } from '@w3pool/extension-sdk';
import { fakeRequest, RecordingLog, RecordingResponse } from '@w3pool/extension-sdk/testing';
import { ApplicationRegistry, type FastCgiApplication } from './application-registry.js';
import { createFastCgiHandler, resolveApplication } from './fastcgi-handler.js';
import { fastCgiParams } from './fastcgi-params.js';
import { PHP_CGI, PHP_FIXTURES, processAlive } from './php-test-helpers.js';
import type { ProcessPool } from './process-pool.js';

// The handler between the SDK's request and response and a real php-cgi: what reaches PHP, and what
// PHP's output becomes (status, headers, local redirects, stderr, buffering).

// What a killed worker left: its pid (above Linux's pid_max) runs no more.
const staleSocketDir = join(tmpdir(), 'w3pool-fastcgi-999999999-stale');
beforeAll(() => mkdirSync(staleSocketDir, { recursive: true }));

const registries: ApplicationRegistry[] = [];
afterEach(async () => {
  for (const registry of registries.splice(0)) await registry.closeAll();
});

function application(overrides: Partial<FastCgiApplication> = {}): FastCgiApplication {
  return {
    fullPath: PHP_CGI,
    arguments: '-d output_buffering=0',
    address: '',
    maxInstances: 1,
    instanceMaxRequests: 200,
    activityTimeout: 30,
    requestTimeout: 30,
    idleTimeout: 300,
    queueLength: 10,
    rapidFailsPerMinute: 10,
    protocol: 'NamedPipe',
    stderrMode: 'ReturnStdErrIn500',
    signalBeforeTerminateSeconds: 0,
    monitorChangesTo: '',
    environmentVariables: [],
    ...overrides,
  };
}

function handlerFor(
  app: FastCgiApplication,
  mapping: { scriptProcessor?: string; responseBufferLimit?: number } = {},
) {
  const registry = new ApplicationRegistry();
  registries.push(registry);
  const log = new RecordingLog();
  const context = {
    pool: 'Test',
    log,
    webServer: { fastCgi: { applications: [app] } } as unknown as WebServer,
    mapping: {
      name: 'PHP',
      path: '*.php',
      verb: '*',
      modules: 'FastCgiModule',
      scriptProcessor: mapping.scriptProcessor ?? `${app.fullPath}|${app.arguments}`,
      resourceType: 'File',
      requireAccess: 'Script',
      preCondition: '',
      allowPathInfo: false,
      responseBufferLimit: mapping.responseBufferLimit ?? 4194304,
    },
    application: { siteId: 1, siteName: 'Test', path: '/', physicalPath: PHP_FIXTURES },
    reportUnhealthy: () => undefined,
    backgroundJobs: {} as ExtensionContext['backgroundJobs'],
  } satisfies ExtensionContext;
  return { handler: createFastCgiHandler(context, registry), log, registry };
}

function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): HandlerRequest {
  return fakeRequest({
    method: init.method ?? 'GET',
    url,
    headers: { host: 'php.test', ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
    localPort: 8080,
    site: { id: 1, name: 'Test' },
    application: { path: '/', physicalPath: PHP_FIXTURES },
    mapPath: (p) => join(PHP_FIXTURES, p),
  });
}

async function serve(handler: ReturnType<typeof handlerFor>['handler'], req: HandlerRequest) {
  const response = new RecordingResponse();
  await handler(req, response, new AbortController().signal);
  return response;
}

describe('FastCgiModule', () => {
  it('finds the application by fullPath|arguments, and names the entry it missed', () => {
    const app = application();
    expect(resolveApplication(`${PHP_CGI}|-d output_buffering=0`, [app])).toEqual({ app });
    expect(resolveApplication(`${PHP_CGI} | -d output_buffering=0 `, [app])).toEqual({ app });
    const missing = resolveApplication(`${PHP_CGI}|-d other=1`, [app]);
    expect(missing).toEqual({
      missing: expect.stringContaining(`fullPath "${PHP_CGI}" and arguments "-d other=1"`) as string,
    });
    expect(resolveApplication('', [app])).toEqual({
      missing: expect.stringContaining('no scriptProcessor') as string,
    });
  });

  it('answers 500 EXT_FASTCGI_APPLICATION_NOT_CONFIGURED for a mapping whose application is missing', async () => {
    const { handler } = handlerFor(application(), { scriptProcessor: '/usr/bin/php-cgi|-c /elsewhere' });
    await expect(serve(handler, request('/index.php'))).rejects.toMatchObject({
      code: 'EXT_FASTCGI_APPLICATION_NOT_CONFIGURED',
      status: 500,
      detail: expect.stringContaining('arguments "-c /elsewhere"') as string,
    });
  });

  it('passes the CGI variables and headers, never HTTP_PROXY', async () => {
    const { handler } = handlerFor(application());
    const res = await serve(
      handler,
      request('/index.php?name=w3pool', {
        headers: { proxy: 'http://evil.example', 'x-test': 'yes', x_test: 'spoof' },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const page = JSON.parse(res.body) as {
      server: Record<string, string | null>;
      get: Record<string, string>;
    };
    expect(page.get).toEqual({ name: 'w3pool' });
    expect(page.server).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: 'GET',
      REQUEST_URI: '/index.php?name=w3pool',
      SCRIPT_NAME: '/index.php',
      SCRIPT_FILENAME: join(PHP_FIXTURES, 'index.php'),
      QUERY_STRING: 'name=w3pool',
      REDIRECT_STATUS: '200',
      HTTPS: 'off',
      HTTP_HOST: 'php.test',
      HTTP_X_TEST: 'yes',
      HTTP_PROXY: null,
    });
    expect(res.headers.get('x-php-pid')).toMatch(/^\d+$/);
  });

  it('lists params without HTTP_PROXY or underscore headers, with CONTENT_* for a body', () => {
    const params = new Map(
      fastCgiParams(
        request('/form.php', {
          method: 'POST',
          body: 'a=1',
          headers: { 'content-type': 'application/x-www-form-urlencoded', proxy: 'x', my_header: 'y' },
        }),
      ),
    );
    expect(params.get('CONTENT_LENGTH')).toBe('3');
    expect(params.get('CONTENT_TYPE')).toBe('application/x-www-form-urlencoded');
    expect(params.get('SERVER_NAME')).toBe('php.test');
    expect([...params.keys()].filter((k) => k.startsWith('HTTP_'))).toEqual(['HTTP_HOST']);
  });

  it("passes HTTPS on and the connection's TLS variables over https, as IIS's FastCGI module does", () => {
    const tls = { HTTPS_SERVER_SUBJECT: 'CN=php.test', HTTPS_KEYSIZE: '256', CERT_SUBJECT: 'CN=alice' };
    const over = (https: boolean) =>
      new Map(fastCgiParams(fakeRequest({ url: '/index.php', https, serverVariables: tls })));
    const params = over(true);
    expect(params.get('HTTPS')).toBe('on');
    expect(params.get('SERVER_PORT_SECURE')).toBe('1');
    expect(Object.fromEntries([...params].filter(([name]) => name in tls))).toEqual(tls);
    const plain = over(false);
    expect(plain.get('HTTPS')).toBe('off');
    expect(plain.has('CERT_SUBJECT')).toBe(false);
  });

  it('posts a form body through STDIN', async () => {
    const { handler } = handlerFor(application());
    const data = 'x'.repeat(300_000);
    const res = await serve(
      handler,
      request('/form.php', {
        method: 'POST',
        body: `note=hi&data=${data}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(JSON.parse(res.body)).toMatchObject({
      length: 300_000,
      note: 'hi',
      contentLength: String(300_013),
    });
  });

  it("keeps the script's status, repeated Set-Cookie lines and its own headers", async () => {
    const { handler } = handlerFor(application());
    const res = await serve(handler, request('/status.php?code=418'));
    expect(res.statusCode).toBe(418);
    expect(res.headers.get('set-cookie')).toEqual(['a=1', 'b=2']);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(res.body).toBe('status page\n');
  });

  it('runs a local redirect (Location without Status) through executeUrl, and passes a client redirect on', async () => {
    const { handler } = handlerFor(application());
    const local = await serve(handler, request('/redirect.php?local=1&to=/index.php'));
    expect(local.lastCall('executeUrl')?.url).toBe('/index.php');
    expect(local.chunks).toEqual([]);
    const client = await serve(handler, request('/redirect.php?to=http://elsewhere.example/'));
    expect(client.statusCode).toBe(302);
    expect(client.headers.get('location')).toBe('http://elsewhere.example/');
  });

  it('stderrMode ReturnStdErrIn500: a 500 carrying the text; IgnoreAndReturn200: the page', async () => {
    const strict = handlerFor(application());
    await expect(serve(strict.handler, request('/stderr.php'))).rejects.toMatchObject({
      code: 'EXT_FASTCGI_STDERR',
      status: 500,
      detail: expect.stringContaining('something went wrong') as string,
    });
    const generic = handlerFor(application({ stderrMode: 'ReturnGeneric500' }));
    await expect(serve(generic.handler, request('/stderr.php'))).rejects.toMatchObject({
      code: 'EXT_FASTCGI_STDERR',
      detail: undefined,
    });
    const lenient = handlerFor(application({ stderrMode: 'IgnoreAndReturn200' }));
    const res = await serve(lenient.handler, request('/stderr.php'));
    expect([res.statusCode, res.body]).toEqual([200, 'the page body\n']);
    expect(lenient.log.lines.some((l) => l.message.includes('stderr'))).toBe(true);
  });

  it('stderrMode TerminateProcess: a 500, and the process is killed', async () => {
    const { handler } = handlerFor(application({ stderrMode: 'TerminateProcess' }));
    const first = await serve(handler, request('/index.php'));
    const pid = Number(first.headers.get('x-php-pid'));
    await expect(serve(handler, request('/stderr.php'))).rejects.toMatchObject({
      code: 'EXT_FASTCGI_STDERR',
    });
    await expect.poll(() => processAlive(pid), { timeout: 5000 }).toBe(false);
  });

  it('holds output up to responseBufferLimit, and streams past it or when the limit is 0', async () => {
    const buffered = handlerFor(application());
    const whole = await serve(buffered.handler, request('/stream.php'));
    expect(whole.chunks.map(String)).toEqual(['chunk 1\nchunk 2\nchunk 3\n']);
    const streaming = handlerFor(application(), { responseBufferLimit: 0 });
    const streamed = await serve(streaming.handler, request('/stream.php'));
    expect(streamed.body).toBe('chunk 1\nchunk 2\nchunk 3\n');
    expect(streamed.chunks.length).toBeGreaterThan(1);
  });

  it('sends FCGI_ABORT_REQUEST when the client leaves, keeps the process until PHP ends, then reuses it', async () => {
    const app = application();
    const { handler, registry, log } = handlerFor(app, { responseBufferLimit: 0 });
    const gate = join(tmpdir(), `w3pool-fastcgi-abort-${process.pid}-${Date.now()}`);
    const leaving = new AbortController();
    const response = new RecordingResponse();
    const served = handler(request(`/wait.php?gate=${gate}`), response, leaving.signal);
    const pool = registry.backendFor(app, log) as ProcessPool;
    await expect.poll(() => response.body, { timeout: 5000 }).toMatch(/started \d+/);
    leaving.abort(new Error('client left'));
    await expect(served).rejects.toThrow('client left');
    // PHP does not stop for the abort; its process stays taken until the script ends.
    expect(pool.snapshot()).toMatchObject({ busy: 1, idle: 0 });
    writeFileSync(gate, '');
    await expect.poll(() => pool.snapshot().idle, { timeout: 5000 }).toBe(1);
    rmSync(gate);
    const pid = Number(/started (\d+)/.exec(response.body)![1]);
    const next = await serve(handler, request('/index.php'));
    expect(Number(next.headers.get('x-php-pid'))).toBe(pid);
  });

  it('stops every process at terminate (closeAll)', async () => {
    const { handler, registry } = handlerFor(application({ maxInstances: 2 }));
    const res = await serve(handler, request('/index.php'));
    const pid = Number(res.headers.get('x-php-pid'));
    expect(processAlive(pid)).toBe(true);
    await registry.closeAll();
    expect(processAlive(pid)).toBe(false);
  });

  it('removes the socket directories of workers that no longer run', () => {
    // The first pool this module made swept them.
    expect(existsSync(staleSocketDir)).toBe(false);
  });
});
