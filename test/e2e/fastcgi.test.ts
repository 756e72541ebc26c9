import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest, type SimpleResponse } from '../helpers/http-client.js';
import { repoRoot, ServiceProcess } from '../helpers/service-process.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

// FastCgiModule through the whole architecture: listener → Redis pool queue → worker → php-cgi processes
// w3pool starts (php-cgi -b), and an external php-fpm it only connects to.

const PHP_CGI = ['/usr/bin/php-cgi', '/usr/local/bin/php-cgi'].find((p) => existsSync(p)) ?? 'php-cgi';
const PHP_FPM = readdirSync('/usr/sbin')
  .filter((name) => /^php-fpm[\d.]*$/.test(name))
  .map((name) => join('/usr/sbin', name))[0];
const FIXTURES = join(repoRoot, 'test/fixtures/php');

// Each FastCGI application is its own pool of processes, named by fullPath|arguments.
const PAGE_ARGS = '-d output_buffering=0 -d post_max_size=16M';
const QUEUE_ARGS = '-d output_buffering=0 -d w3pool.fixture=queue';
const TIMEOUT_ARGS = '-d output_buffering=0 -d w3pool.fixture=timeout';

interface PhpFpm {
  readonly socket: string;
  stop(): Promise<void>;
}

/** php-fpm in the foreground with a configuration of this suite's own: pid, log and socket in `dir`. */
async function startPhpFpm(dir: string): Promise<PhpFpm> {
  if (!PHP_FPM) throw new Error('php-fpm is not installed (Debian: apt-get install php-fpm)');
  const socket = join(dir, 'php-fpm.sock');
  const root = process.getuid?.() === 0;
  const conf = join(dir, 'php-fpm.conf');
  // Node's stdio pipes are sockets, which php-fpm cannot open as /proc/self/fd/2: it logs to a file.
  const log = join(dir, 'php-fpm.log');
  await writeFile(
    conf,
    [
      '[global]',
      `pid = ${join(dir, 'php-fpm.pid')}`,
      `error_log = ${log}`,
      'daemonize = no',
      '[w3pool]',
      `listen = ${socket}`,
      'pm = static',
      'pm.max_children = 2',
      'catch_workers_output = yes',
      'php_admin_value[post_max_size] = 16M',
      'php_admin_value[output_buffering] = 0',
      ...(root ? ['user = root', 'group = root'] : []),
      '',
    ].join('\n'),
  );
  const args = ['-F', '-y', conf, ...(root ? ['-R'] : [])];
  const fpm = new ServiceProcess('php-fpm', spawn(PHP_FPM, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await eventually(async () => {
    if (!fpm.running) throw new Error(`php-fpm exited: ${await readFile(log, 'utf8').catch(() => '')}`);
    const text = await readFile(log, 'utf8').catch(() => '');
    return text.includes('ready to handle connections') ? true : undefined;
  }, 'php-fpm ready to handle connections');
  return { socket, stop: () => fpm.stop('SIGQUIT') };
}

/** Whether a process runs (a zombie waiting for its parent to reap it does not). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** A GET whose body is read as it streams: resolves with the response as soon as the head is in. */
function streamingGet(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

function firstData(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    res.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    res.once('error', reject);
  });
}

function rest(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    res.on('error', reject);
  });
}

describe('FastCgiModule: PHP through listener, pool queue and worker', () => {
  let system: RunningSystem;
  let fpm: PhpFpm;
  let scratch: string;
  printOutputOnFailure(() => system);

  const mapping = (
    name: string,
    path: string,
    scriptProcessor: string,
    extra: Record<string, unknown> = {},
  ) => ({
    name,
    path,
    verb: 'GET,HEAD,POST',
    modules: 'FastCgiModule',
    scriptProcessor,
    resourceType: 'File',
    ...extra,
  });

  const config = (port: number) => ({
    applicationPools: [{ name: 'PhpPool' }],
    sites: [
      {
        name: 'PHP',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
        applications: [
          {
            path: '/',
            applicationPool: 'PhpPool',
            virtualDirectories: [{ path: '/', physicalPath: FIXTURES }],
          },
          {
            // The same scripts, run by php-fpm: this application's own mapping comes before the server's.
            path: '/fpm',
            applicationPool: 'PhpPool',
            virtualDirectories: [{ path: '/', physicalPath: FIXTURES }],
            webServer: { handlers: { list: [mapping('PHP-FPM', '*.php', PHP_FPM!)] } },
          },
        ],
      },
    ],
    webServer: {
      handlers: {
        accessPolicy: 'Read, Script',
        list: [
          mapping('PHP-Queue', 'wait.php', `${PHP_CGI}|${QUEUE_ARGS}`),
          mapping('PHP-Timeout', 'slow.php', `${PHP_CGI}|${TIMEOUT_ARGS}`),
          mapping('PHP-Stream', 'stream.php', `${PHP_CGI}|${PAGE_ARGS}`, { responseBufferLimit: 0 }),
          mapping('PHP-Missing', 'missing-app.php', `${PHP_CGI}|-d not=configured`, {
            resourceType: 'Unspecified',
          }),
          mapping('PHP-FastCGI', '*.php', `${PHP_CGI}|${PAGE_ARGS}`),
          STATIC_FILE_MAPPING,
        ],
      },
      fastCgi: {
        applications: [
          { fullPath: PHP_CGI, arguments: PAGE_ARGS, maxInstances: 2 },
          { fullPath: PHP_CGI, arguments: QUEUE_ARGS, maxInstances: 1, queueLength: 1, protocol: 'Tcp' },
          { fullPath: PHP_CGI, arguments: TIMEOUT_ARGS, maxInstances: 1, requestTimeout: 10 },
          { fullPath: PHP_FPM!, address: `unix:${fpm.socket}`, maxInstances: 2 },
        ],
      },
    },
  });

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'w3pool-fastcgi-e2e-'));
    fpm = await startPhpFpm(scratch);
    system = await startSystem({ workers: ['PhpPool'], config: ([port]) => config(port!) });
  });
  afterAll(async () => {
    await system?.stop();
    await fpm?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    httpRequest(`${system.baseUrl}${path}`, { headers });
  const json = (res: SimpleResponse) => JSON.parse(res.body) as Record<string, any>;
  const stillServing = async () => {
    const res = await get('/index.php?after=failure');
    expect(res.status).toBe(200);
    expect(json(res).get).toEqual({ after: 'failure' });
  };

  it('serves a PHP page from php-cgi, with the CGI variables and without HTTP_PROXY', async () => {
    const res = await get('/index.php?name=w3pool', { proxy: 'http://attacker.example', 'x-test': 'yes' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(String(res.headers['x-w3pool-worker'])).toMatch(/^PhpPool\/\d+$/);
    const page = json(res);
    expect(page.sapi).toBe('cgi-fcgi');
    expect(page.get).toEqual({ name: 'w3pool' });
    expect(page.server).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: 'GET',
      REQUEST_URI: '/index.php?name=w3pool',
      SCRIPT_NAME: '/index.php',
      SCRIPT_FILENAME: join(FIXTURES, 'index.php'),
      QUERY_STRING: 'name=w3pool',
      REDIRECT_STATUS: '200',
      HTTP_X_TEST: 'yes',
      HTTP_PROXY: null,
    });
    expect(res.headers['x-php-pid']).toBe(String(page.pid));
  });

  it('posts a 5 MB form to php-cgi', async () => {
    const data = 'a'.repeat(5 * 1024 * 1024);
    const res = await httpRequest(`${system.baseUrl}/form.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `note=five&data=${data}`,
    });
    expect(res.status).toBe(200);
    expect(json(res)).toMatchObject({
      sapi: 'cgi-fcgi',
      length: data.length,
      md5: createHash('md5').update(data).digest('hex'),
      note: 'five',
    });
  });

  it('streams: the first chunk reaches the client while the script still runs', async () => {
    const gate = join(scratch, 'stream-gate');
    const res = await streamingGet(`${system.baseUrl}/stream.php?gate=${gate}`);
    expect(res.statusCode).toBe(200);
    const remaining = rest(res);
    const first = await firstData(res);
    // The script is blocked until the gate file exists: nothing past the first chunk can have been written.
    expect(first).toBe('chunk 1\n');
    expect(res.complete).toBe(false);
    await writeFile(gate, '');
    expect(await remaining).toBe('chunk 1\nchunk 2\nchunk 3\n');
  });

  it('answers 500 when a script outlasts requestTimeout (10 s), and replaces its process', async () => {
    const pidFile = join(scratch, 'slow.pid');
    const started = Date.now();
    const res = await get(`/slow.php?s=60&pidfile=${pidFile}`);
    expect(res.status).toBe(500);
    expect(res.body).toContain('EXT_FASTCGI_REQUEST_TIMEOUT');
    expect(res.body).toContain('exceeded configured request timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
    const killed = Number(await readFile(pidFile, 'utf8'));
    await eventually(() => (running(killed) ? undefined : true), `php-cgi ${killed} to be gone`);
    const next = await get('/slow.php?s=0');
    expect(next.status).toBe(200);
    expect(next.body).toMatch(/^slept \d+/);
    expect(next.body).not.toContain(`slept ${killed}`);
    await stillServing();
  });

  it('answers 503.4 past queueLength (maxInstances 1, queueLength 1, three requests)', async () => {
    const gate = join(scratch, 'queue-gate');
    const requests = [0, 1, 2].map((i) => get(`/wait.php?gate=${gate}&n=${i}`).then((res) => ({ i, res })));
    // Two hold the one process or wait for it; the third cannot wait.
    const refused = await Promise.race(requests);
    expect(refused.res.status).toBe(503);
    expect(refused.res.body).toContain('HTTP Error 503.4');
    expect(refused.res.body).toContain('EXT_FASTCGI_QUEUE_FULL');
    await writeFile(gate, '');
    const all = await Promise.all(requests);
    expect(all.map(({ res }) => res.status).sort()).toEqual([200, 200, 503]);
    const served = all.filter(({ res }) => res.status === 200).map(({ res }) => res.body);
    for (const body of served) expect(body).toMatch(/^started \d+\ndone\n$/);
    await stillServing();
  });

  it('answers 500 naming the missing fastCgi.applications entry', async () => {
    const res = await get('/missing-app.php');
    expect(res.status).toBe(500);
    expect(res.body).toContain('EXT_FASTCGI_APPLICATION_NOT_CONFIGURED');
    // The detail (shown to a local client only) names the entry that is missing.
    expect(res.body).toContain('fastCgi.applications entry with fullPath &#34;' + PHP_CGI);
    expect(res.body).toContain('arguments &#34;-d not=configured&#34;');
    await stillServing();
  });

  it('serves the same scripts from an external php-fpm, reusing its connection', async () => {
    const first = await get('/fpm/index.php?via=fpm');
    expect(first.status).toBe(200);
    expect(json(first)).toMatchObject({ sapi: 'fpm-fcgi', get: { via: 'fpm' } });
    // KEEP_CONN: the next request travels on the same connection, to the same php-fpm child.
    const second = await get('/fpm/index.php');
    expect(json(second).pid).toBe(json(first).pid);
  });

  it('posts a 5 MB form to php-fpm', async () => {
    const data = 'b'.repeat(5 * 1024 * 1024);
    const res = await httpRequest(`${system.baseUrl}/fpm/form.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `data=${data}`,
    });
    expect(res.status).toBe(200);
    expect(json(res)).toMatchObject({ sapi: 'fpm-fcgi', length: data.length });
  });

  it('leaves no php-cgi behind when its worker process is killed', async () => {
    const res = await get('/index.php');
    const phpPid = Number(res.headers['x-php-pid']);
    const workerPid = Number(String(res.headers['x-w3pool-worker']).split('/')[1]);
    expect(running(phpPid)).toBe(true);
    process.kill(workerPid, 'SIGKILL');
    await eventually(() => (running(phpPid) ? undefined : true), `php-cgi ${phpPid} to die with its worker`);
    // The pool host starts another worker, which starts php-cgi again.
    const again = await eventually(async () => {
      const next = await get('/index.php');
      return next.status === 200 ? next : undefined;
    }, 'a new worker serving PHP');
    expect(Number(again.headers['x-php-pid'])).not.toBe(phpPid);
  });
});
