import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtensionContext, Handler, HandlerRequest, HttpError, WebServer } from '@w3pool/extension-sdk';
import { fakeRequest, RecordingResponse } from '@w3pool/extension-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cgiExtension from './index.js';

// The handler against real processes (sh scripts): what the pipeline gives it is played by the SDK's test
// doubles; the end-to-end suite (test/e2e/cgi.test.ts) runs the same through the whole system.

describe('the CGI handler with real processes', () => {
  let dir: string;
  const logged: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3pool-cgi-unit-'));
  });
  afterAll(async () => {
    await cgiExtension.terminate?.();
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  async function handler(timeout = '00:00:30', scriptProcessor = ''): Promise<Handler> {
    const context = {
      pool: 'Test',
      webServer: { cgi: { timeout, createProcessAsUser: true, createCGIWithNewConsole: false } } as WebServer,
      mapping: { name: 'CGI', path: '*.cgi', verb: '*', scriptProcessor } as ExtensionContext['mapping'],
      application: { siteId: 1, siteName: 'Test', path: '/', physicalPath: dir },
      log: {
        info: (m: string) => void logged.push(m),
        warn: (m: string, f?: Record<string, unknown>) => void logged.push(`${m} ${JSON.stringify(f)}`),
        error: (m: string) => void logged.push(m),
      },
      reportUnhealthy: () => undefined,
      backgroundJobs: {} as ExtensionContext['backgroundJobs'],
    } satisfies ExtensionContext;
    return cgiExtension.load(context);
  }

  function request(file: string, body?: Buffer, method = 'GET'): HandlerRequest {
    const name = `/${file.slice(dir.length + 1)}`;
    return fakeRequest({
      method,
      url: `${name}?q=1`,
      headers: { host: 'localhost', proxy: 'http://evil.example' },
      contentLength: body ? body.length : 0,
      // The body in 64 KB pieces, each arriving in a later turn, as the listener's messages would.
      body: async function* () {
        for (let at = 0; body && at < body.length; at += 65536) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          yield body.subarray(at, at + 65536);
        }
      },
      application: { path: '/', physicalPath: dir },
      physicalPath: file,
    });
  }

  async function run(handle: Handler, file: string, body?: Buffer, signal = new AbortController().signal) {
    const response = new RecordingResponse();
    const error = await handle(request(file, body, body ? 'POST' : 'GET'), response, signal).then(
      () => undefined,
      (caught: unknown) => caught as HttpError,
    );
    return { response, error };
  }

  /** Gone, or a zombie waiting for init to reap it: either way it runs no more. */
  async function gone(pid: number): Promise<boolean> {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    return stat === '' || / Z /.test(stat);
  }

  async function waitUntilGone(pid: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await gone(pid))) {
      if (Date.now() > deadline) throw new Error(`process ${pid} still runs`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('answers with the headers and body the script writes, in its environment', async () => {
    const file = await script(
      'env.cgi',
      `printf 'Status: 201 Created\\r\\nContent-Type: text/plain\\r\\nContent-Length: 999\\r\\nX-Script: yes\\r\\n\\r\\n'
echo "gateway=$GATEWAY_INTERFACE query=$QUERY_STRING script=$SCRIPT_NAME proxy=\${HTTP_PROXY-unset} cwd=$(pwd)"`,
    );
    const { response, error } = await run(await handler(), file);
    expect(error).toBeUndefined();
    expect(response.statusCode).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('x-script')).toBe('yes');
    // The listener frames the body; a script's Content-Length, which nothing checks, is not passed on.
    expect(response.headers.has('content-length')).toBe(false);
    expect(response.body).toBe(`gateway=CGI/1.1 query=q=1 script=/env.cgi proxy=unset cwd=${dir}\n`);
    expect(response.ended).toBe(true);
  });

  it('streams a request body to stdin and the output back, larger than any pipe buffer', async () => {
    const file = await script(
      'echo.cgi',
      `printf 'Content-Type: application/octet-stream\\n\\n'\nhead -c "$CONTENT_LENGTH"`,
    );
    const body = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < body.length; i += 1) body[i] = (i * 7) % 251;
    const { response, error } = await run(await handler(), file, body);
    expect(error).toBeUndefined();
    expect(Buffer.concat(response.chunks).equals(body)).toBe(true);
    expect(response.chunks.length).toBeGreaterThan(1);
  });

  it('kills the process and its group at the cgi timeout: 502.1', async () => {
    const pids = join(dir, 'timeout.pids');
    const file = await script('slow.cgi', `sleep 30 &\necho "$$ $!" > ${pids}\nwait`);
    const started = Date.now();
    const { error } = await run(await handler('00:00:01'), file);
    expect([error?.code, error?.status, error?.substatus]).toEqual(['WORKER_CGI_TIMEOUT', 502, 1]);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const pid of (await readFile(pids, 'utf8')).trim().split(' ').map(Number)) await waitUntilGone(pid);
  });

  it('answers 502.2 for a process that exits before a complete header block', async () => {
    const silent = await run(await handler(), await script('silent.cgi', 'exit 3'));
    expect([silent.error?.code, silent.error?.substatus]).toEqual(['WORKER_CGI_PREMATURE_EXIT', 2]);
    expect(silent.error?.detail).toContain('exited with code 3');
    const half = await run(await handler(), await script('half.cgi', `printf 'Content-Type: text/html\\n'`));
    expect(half.error?.code).toBe('WORKER_CGI_PREMATURE_EXIT');
    expect(half.error?.detail).toContain('"Content-Type: text/html"');
  });

  it('fails a response whose process crashes mid-body, after its headers went out', async () => {
    const file = await script('crash.cgi', `printf 'Content-Type: text/plain\\n\\npartial'\nkill -SEGV $$`);
    const { response, error } = await run(await handler(), file);
    expect(error?.code).toBe('WORKER_CGI_PREMATURE_EXIT');
    expect(error?.detail).toContain('SIGSEGV');
    expect(response.headersSent).toBe(true);
  });

  it('ends a response once the script exits, killing what it left holding stdout', async () => {
    const pids = join(dir, 'daemon.pids');
    const file = await script(
      'daemon.cgi',
      `sleep 30 &\necho $! > ${pids}\nprintf 'Content-Type: text/plain\\n\\nok'`,
    );
    const started = Date.now();
    const { response, error } = await run(await handler(), file);
    expect(error).toBeUndefined();
    expect(response.body).toBe('ok');
    expect(Date.now() - started).toBeLessThan(5000);
    await waitUntilGone(Number((await readFile(pids, 'utf8')).trim()));
  });

  it('kills the process when the client goes away', async () => {
    const pids = join(dir, 'abort.pids');
    const file = await script(
      'abort.cgi',
      `echo $$ > ${pids}\nprintf 'Content-Type: text/plain\\n\\n'\nsleep 30`,
    );
    const abort = new AbortController();
    const result = run(await handler(), file, undefined, abort.signal);
    const deadline = Date.now() + 5000;
    while (!(await readFile(pids, 'utf8').catch(() => ''))) {
      if (Date.now() > deadline) throw new Error('the script did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    abort.abort(new Error('client gone'));
    expect((await result).error).toBeUndefined();
    await waitUntilGone(Number((await readFile(pids, 'utf8')).trim()));
  });

  it('runs a local redirect as a GET of the URL, and passes a client redirect on as 302', async () => {
    const local = await run(
      await handler(),
      await script('local.cgi', `printf 'Location: /next.html?x=1\\n\\n'`),
    );
    expect(local.response.calls).toEqual([
      { call: 'executeUrl', url: '/next.html?x=1', options: { method: 'GET' } },
    ]);
    const client = await run(
      await handler(),
      await script('client.cgi', `printf 'Location: https://example.com/\\r\\n\\r\\n'`),
    );
    expect([client.response.statusCode, client.response.headers.get('location')]).toEqual([
      302,
      'https://example.com/',
    ]);
  });

  it('wants a Content-Type with a body, and none without one', async () => {
    const untyped = await run(await handler(), await script('untyped.cgi', `printf 'X-A: 1\\n\\nbody'`));
    expect(untyped.error?.code).toBe('WORKER_CGI_BAD_HEADERS');
    expect(untyped.response.headers.has('x-a')).toBe(false);
    const empty = await run(
      await handler(),
      await script('empty.cgi', `printf 'Status: 204 No Content\\n\\n'`),
    );
    expect(empty.error).toBeUndefined();
    expect(empty.response.statusCode).toBe(204);
  });

  it('answers 502.2 naming a program that is missing or not executable', async () => {
    const plain = join(dir, 'plain.cgi');
    await writeFile(plain, '#!/bin/sh\necho\n');
    const notExecutable = await run(await handler(), plain);
    expect(notExecutable.error?.code).toBe('WORKER_CGI_START_FAILED');
    expect(notExecutable.error?.detail).toContain('not executable');
    const missing = await run(await handler('00:00:30', '/nonexistent/php-cgi'), plain);
    expect(missing.error?.detail).toBe('/nonexistent/php-cgi: no such file');
  });

  it('runs the scriptProcessor with the script path for %s', async () => {
    const file = join(dir, 'interpreted.sh');
    await writeFile(file, `printf 'Content-Type: text/plain\\n\\nran %s' "$0"\n`);
    const { response, error } = await run(await handler('00:00:30', '/bin/sh %s'), file);
    expect(error).toBeUndefined();
    expect(response.body).toBe(`ran ${file}`);
  });

  it('logs stderr with the request it belongs to', async () => {
    const file = await script(
      'noisy.cgi',
      `echo 'something odd' >&2\nprintf 'Content-Type: text/plain\\n\\n'`,
    );
    await run(await handler(), file);
    expect(logged.some((line) => line.includes('CGI stderr') && line.includes('something odd'))).toBe(true);
  });

  it('terminate() kills every process still running', async () => {
    const pids = join(dir, 'terminate.pids');
    const file = await script('forever.cgi', `echo $$ > ${pids}\nsleep 30`);
    const result = run(await handler(), file);
    const deadline = Date.now() + 5000;
    while (!(await readFile(pids, 'utf8').catch(() => ''))) {
      if (Date.now() > deadline) throw new Error('the script did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await cgiExtension.terminate?.();
    expect((await result).error?.code).toBe('WORKER_CGI_PREMATURE_EXIT');
    await waitUntilGone(Number((await readFile(pids, 'utf8')).trim()));
  });
});
