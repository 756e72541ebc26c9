import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { repoRoot } from '../helpers/service-process.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

const fixtures = join(repoRoot, 'test/fixtures/cgi');
/** Debian's php-cgi (apt-get install php-cgi); scripts/bootstrap.sh and .ci/run install it. */
const PHP_CGI = '/usr/bin/php-cgi';

/**
 * One site: php-cgi for *.php, and *.cgi and *.pl files that are programs themselves (empty
 * scriptProcessor, as IIS's CGI-exe mapping). The /slow application overrides the cgi timeout to 2 s.
 */
function cgiConfig(port: number) {
  return {
    applicationPools: [{ name: 'DefaultAppPool' }],
    sites: [
      {
        name: 'CGI',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
        applications: [
          {
            path: '/',
            applicationPool: 'DefaultAppPool',
            virtualDirectories: [{ path: '/', physicalPath: fixtures }],
          },
          {
            path: '/slow',
            applicationPool: 'DefaultAppPool',
            virtualDirectories: [{ path: '/', physicalPath: join(fixtures, 'slow') }],
            webServer: { cgi: { timeout: '00:00:02' } },
          },
        ],
      },
    ],
    webServer: {
      security: { isapiCgiRestriction: { notListedCgisAllowed: true } },
      handlers: {
        accessPolicy: 'Read, Script, Execute',
        list: [
          {
            name: 'PHP-CGI',
            path: '*.php',
            verb: 'GET,HEAD,POST',
            modules: 'CgiModule',
            scriptProcessor: PHP_CGI,
            resourceType: 'File',
            requireAccess: 'Script',
          },
          {
            name: 'CGI-exe',
            path: '*.cgi',
            verb: '*',
            modules: 'CgiModule',
            resourceType: 'File',
            requireAccess: 'Execute',
            allowPathInfo: true,
          },
          {
            name: 'Perl-CGI',
            path: '*.pl',
            verb: 'GET,POST',
            modules: 'CgiModule',
            resourceType: 'File',
            requireAccess: 'Execute',
          },
          STATIC_FILE_MAPPING,
        ],
      },
    },
  };
}

/** Whether a process still runs: a zombie waiting to be reaped runs no more. */
async function runs(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** A form with one file, as a browser sends it. */
function multipart(fields: Record<string, string>, file: { field: string; name: string; content: Buffer }) {
  const boundary = `----w3pool${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    file.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

describe('CGI (CgiModule) with php-cgi, sh and Perl through the whole system', () => {
  let system: RunningSystem;
  /** The worker process that served the first request: every failure below must leave it serving. */
  let workerLabel: string;
  printOutputOnFailure(() => system);

  beforeAll(async () => {
    if (!existsSync(PHP_CGI)) throw new Error(`${PHP_CGI} is missing: apt-get install -y php-cgi`);
    system = await startSystem({ config: ([port]) => cgiConfig(port!) });
    const first = await get('/hello.cgi');
    expect(first.status).toBe(200);
    workerLabel = String(first.headers['x-w3pool-worker']);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    httpRequest(`${system.baseUrl}${path}`, { headers });
  const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
    httpRequest(`${system.baseUrl}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
    });

  /** The same worker process answers the next request: the failure cost one request, not the worker. */
  async function expectStillServing(): Promise<void> {
    const res = await get('/hello.cgi');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Hello from sh');
    expect(res.headers['x-w3pool-worker']).toBe(workerLabel);
  }

  /** The pids a script wrote to stderr, from the worker's log, after `from` lines. */
  async function loggedPids(pattern: RegExp, from: number): Promise<number[]> {
    const line = await eventually(
      () => system.worker.lines.slice(from).find((l) => pattern.test(l)),
      `a log line matching ${pattern}`,
    );
    return pattern.exec(line)!.slice(1).map(Number);
  }

  async function expectGone(pids: number[]): Promise<void> {
    for (const pid of pids) {
      await eventually(async () => ((await runs(pid)) ? undefined : true), `process ${pid} to be gone`, 5000);
    }
  }

  it('runs a PHP page through php-cgi: $_SERVER, $_GET and $_POST', async () => {
    const res = await post('/info.php?a=1&b=two', 'name=w3pool&lang=ts', {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'cgi-suite',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-powered-by-test']).toBe('php-cgi');
    const info = JSON.parse(res.body);
    expect(info.sapi).toBe('cgi-fcgi');
    expect(info.get).toEqual({ a: '1', b: 'two' });
    expect(info.post).toEqual({ name: 'w3pool', lang: 'ts' });
    expect(info.server).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '/info.php',
      SCRIPT_FILENAME: join(fixtures, 'info.php'),
      REQUEST_URI: '/info.php?a=1&b=two',
      QUERY_STRING: 'a=1&b=two',
      CONTENT_TYPE: 'application/x-www-form-urlencoded',
      CONTENT_LENGTH: '19',
      REMOTE_ADDR: '127.0.0.1',
      SERVER_PORT: String(system.port),
      SERVER_NAME: '127.0.0.1',
      HTTP_USER_AGENT: 'cgi-suite',
      REDIRECT_STATUS: '200',
    });
    expect(info.server.SERVER_SOFTWARE).toMatch(/^w3pool/);
    // The worker's own environment stays with the worker.
    expect(info.server.REDIS_URL).toBeUndefined();
  });

  it('hands PHP a multipart upload larger than uploadReadAheadSize, streamed to its stdin', async () => {
    const content = randomBytes(300 * 1024);
    const form = multipart({ title: 'a file' }, { field: 'upload', name: 'data.bin', content });
    const res = await post('/info.php', form.body, { 'content-type': form.contentType });
    expect(res.status).toBe(200);
    const info = JSON.parse(res.body);
    expect(info.post).toEqual({ title: 'a file' });
    expect(info.files.upload).toEqual({
      name: 'data.bin',
      type: 'application/octet-stream',
      size: content.length,
      error: 0,
      md5: md5(content),
    });
  });

  it('runs a sh script that is its own program, with SCRIPT_NAME, PATH_INFO and the script directory', async () => {
    const res = await get('/hello.cgi/extra/path?x=1', { 'x-test': 'yes' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const lines = res.body.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Hello from sh',
        'GATEWAY_INTERFACE=CGI/1.1',
        'REQUEST_METHOD=GET',
        'SCRIPT_NAME=/hello.cgi',
        'PATH_INFO=/extra/path',
        `PATH_TRANSLATED=${join(fixtures, 'extra/path')}`,
        'QUERY_STRING=x=1',
        'REMOTE_ADDR=127.0.0.1',
        'CONTENT_LENGTH=(unset)',
        'HTTP_X_TEST=yes',
        'REDIS_URL=(unset)',
        `cwd=${fixtures}`,
      ]),
    );
  });

  it('runs a Perl script with a 2 MB body both ways, past uploadReadAheadSize and the response window', async () => {
    const body = Buffer.from('0123456789abcdef'.repeat((2 * 1024 * 1024) / 16));
    const res = await post('/echo.pl', body, { 'content-type': 'application/octet-stream' });
    expect(res.status).toBe(200);
    expect(res.headers['x-body-length']).toBe(String(body.length));
    expect(res.headers['x-body-md5']).toBe(md5(body));
    expect(res.body.length).toBe(body.length);
    expect(md5(res.body)).toBe(md5(body));
  });

  it('answers with the Status a script sets', async () => {
    const res = await get('/status.cgi');
    expect(res.status).toBe(418);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.body).toBe('short and stout\n');
  });

  it('runs a local redirect in the worker, and passes a client redirect to the client as 302', async () => {
    const local = await get('/redirect-local.cgi');
    expect(local.status).toBe(200);
    expect(local.headers.location).toBeUndefined();
    expect(local.body).toBe(await readFile(join(fixtures, 'target.html'), 'utf8'));

    const client = await get('/redirect-client.cgi');
    expect(client.status).toBe(302);
    expect(client.headers.location).toBe('https://example.com/elsewhere');

    // PHP's header('Location: ...') comes with its own Status: 302, so even a path is the client's to follow.
    const php = await get('/redirect.php');
    expect(php.status).toBe(302);
    expect(php.headers.location).toBe('/target.html');
  });

  it('never turns a Proxy header into HTTP_PROXY (httpoxy), nor passes a header name with an underscore', async () => {
    const headers = { proxy: 'http://evil.example:3128', x_underscore: 'smuggled' };
    const php = JSON.parse((await get('/info.php', headers)).body);
    expect(php.server.HTTP_PROXY).toBeUndefined();
    expect(php.httpProxy).toBe(false);
    expect(php.server.HTTP_X_UNDERSCORE).toBeUndefined();
    const sh = await get('/hello.cgi', headers);
    expect(sh.body.split('\n')).toContain('HTTP_PROXY=(unset)');
  });

  it('kills a script still running at its cgi timeout, with what it started: 502.1', async () => {
    const from = system.worker.lines.length;
    const started = Date.now();
    const res = await get('/slow/sleep.cgi');
    expect(res.status).toBe(502);
    expect(res.body).toContain('HTTP Error 502.1');
    expect(res.body).toContain('WORKER_CGI_TIMEOUT');
    // The application's timeout (00:00:02), not the server's default of 15 minutes.
    expect(Date.now() - started).toBeLessThan(15_000);
    await expectGone(await loggedPids(/sleep-pids (\d+) (\d+)/, from));
    await expectStillServing();
  });

  it('answers 502.2 for a script that exits before its headers, and for one that writes none', async () => {
    const crash = await get('/crash.cgi');
    expect(crash.status).toBe(502);
    expect(crash.body).toContain('HTTP Error 502.2');
    expect(crash.body).toContain('WORKER_CGI_PREMATURE_EXIT');
    await expectStillServing();

    const bad = await get('/bad-headers.cgi');
    expect(bad.status).toBe(502);
    expect(bad.body).toContain('HTTP Error 502.2');
    expect(bad.body).toContain('WORKER_CGI_BAD_HEADERS');
    // A local client sees what the script wrote instead of headers, as on IIS's 502.2 page.
    expect(bad.body).toContain('no headers');
    await expectStillServing();
  });

  it('kills the script when the client goes away', async () => {
    const from = system.worker.lines.length;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${system.baseUrl}/hang.cgi`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
    await expectGone(await loggedPids(/hang-pids (\d+) (\d+)/, from));
    await expectStillServing();
  });
});
