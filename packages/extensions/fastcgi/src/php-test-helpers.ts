import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingLog } from '@w3pool/extension-sdk/testing';
import type { FastCgiBackend } from './backend.js';
import { FastCgiCall, type CallLimits } from './fastcgi-call.js';
import { ProcessPool, type PoolSettings } from './process-pool.js';

// For this package's tests: real php-cgi processes running the scripts of test/fixtures/php.

export const PHP_CGI = ['/usr/bin/php-cgi', '/usr/local/bin/php-cgi'].find((p) => existsSync(p)) ?? 'php-cgi';
export const PHP_FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/php/', import.meta.url));

/** Pools made by a test, closed and their directories removed by `closePools`. */
const made: { pool: ProcessPool; dir: string }[] = [];

export async function makePool(
  overrides: Partial<Omit<PoolSettings, 'spec'>> & { spec?: Partial<PoolSettings['spec']> } = {},
  now?: () => number,
): Promise<{ pool: ProcessPool; log: RecordingLog }> {
  const dir = await mkdtemp(join(tmpdir(), 'w3pool-fastcgi-test-'));
  const log = new RecordingLog();
  const { spec, ...rest } = overrides;
  const pool = new ProcessPool(
    {
      name: PHP_CGI,
      maxInstances: 2,
      instanceMaxRequests: 200,
      idleTimeoutMs: 300_000,
      queueLength: 1000,
      rapidFailsPerMinute: 10,
      signalBeforeTerminateSeconds: 0,
      monitorChangesTo: '',
      connectTimeoutMs: 5000,
      requestTimeoutMs: 30_000,
      ...rest,
      spec: {
        fullPath: PHP_CGI,
        args: ['-d', 'output_buffering=0'],
        protocol: 'NamedPipe',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PHP_FCGI_MAX_REQUESTS: '1000' },
        socketDir: dir,
        startTimeoutMs: 10_000,
        ...spec,
      },
    },
    log,
    now,
  );
  made.push({ pool, dir });
  return { pool, log };
}

export async function closePools(): Promise<void> {
  for (const { pool, dir } of made.splice(0)) {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The CGI variables php-cgi needs to run a fixture script. */
export function scriptParams(script: string, query = '', method = 'GET'): [string, string][] {
  return [
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REQUEST_METHOD', method],
    ['SCRIPT_FILENAME', join(PHP_FIXTURES, script)],
    ['SCRIPT_NAME', `/${script}`],
    ['REQUEST_URI', `/${script}${query ? `?${query}` : ''}`],
    ['QUERY_STRING', query],
    ['REDIRECT_STATUS', '200'],
  ];
}

export const generousLimits: CallLimits = { requestTimeoutMs: 30_000, activityTimeoutMs: 30_000 };

export interface Started {
  readonly call: FastCgiCall;
  /** Everything read so far. */
  readonly stdout: () => string;
  /** Read until the output contains `text`. */
  readonly until: (text: string) => Promise<void>;
  /** Read to END_REQUEST: the whole output. */
  readonly finish: () => Promise<{ stdout: string; stderr: string }>;
}

/** Start a fixture script on a process of the pool; read its output step by step. */
export async function startScript(
  pool: Pick<FastCgiBackend, 'acquire'>,
  script: string,
  query = '',
  limits: CallLimits = generousLimits,
): Promise<Started> {
  const lease = await pool.acquire(new AbortController().signal);
  const call = new FastCgiCall(lease, scriptParams(script, query), limits);
  await call.exchange.sendStdin((async function* () {})());
  let stdout = '';
  let stderr = '';
  let ended = false;
  const step = async () => {
    const event = await call.next();
    if (event.kind === 'stdout') stdout += event.data.toString();
    else if (event.kind === 'stderr') stderr += event.data.toString();
    else ended = true;
  };
  return {
    call,
    stdout: () => stdout,
    until: async (text) => {
      while (!stdout.includes(text)) {
        if (ended) throw new Error(`the output ended without "${text}": ${stdout}`);
        await step();
      }
    },
    finish: async () => {
      while (!ended) await step();
      return { stdout, stderr };
    },
  };
}

/** Run a fixture script to its end; the body without the CGI head, and the pid of the process. */
export async function runScript(
  pool: ProcessPool,
  script: string,
  query = '',
  limits?: CallLimits,
): Promise<{ body: string; head: string; pid: number }> {
  const started = await startScript(pool, script, query, limits);
  const { stdout } = await started.finish();
  const split = stdout.indexOf('\r\n\r\n');
  return { head: stdout.slice(0, split), body: stdout.slice(split + 4), pid: started.call.pid! };
}

/** Whether a process still exists (a zombie counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/^State:\s+Z/m.test(readStatus(pid));
}

function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

/** Debian names php-fpm after its PHP version: /usr/sbin/php-fpm8.2. */
export const PHP_FPM = existsSync('/usr/sbin')
  ? readdirSync('/usr/sbin')
      .filter((name) => /^php-fpm[\d.]*$/.test(name))
      .map((name) => join('/usr/sbin', name))[0]
  : undefined;

/** php-fpm in the foreground with a configuration of its own (pid, log, socket in a temp dir). */
export async function startPhpFpm(
  maxChildren: number,
): Promise<{ socket: string; stop: () => Promise<void> }> {
  if (!PHP_FPM) throw new Error('php-fpm is not installed (Debian: apt-get install php-fpm)');
  const dir = await mkdtemp(join(tmpdir(), 'w3pool-php-fpm-'));
  const socket = join(dir, 'php-fpm.sock');
  const log = join(dir, 'php-fpm.log');
  const root = process.getuid?.() === 0;
  const conf = [
    '[global]',
    `pid = ${join(dir, 'php-fpm.pid')}`,
    `error_log = ${log}`,
    'daemonize = no',
    '[test]',
    `listen = ${socket}`,
    'pm = static',
    `pm.max_children = ${maxChildren}`,
    ...(root ? ['user = root', 'group = root'] : []),
    '',
  ].join('\n');
  await writeFile(join(dir, 'php-fpm.conf'), conf);
  const child = spawn(PHP_FPM, ['-F', '-y', join(dir, 'php-fpm.conf'), ...(root ? ['-R'] : [])], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  // php-fpm says it is ready in its log (it cannot log to Node's stdio sockets).
  while (!(await readFile(log, 'utf8').catch(() => '')).includes('ready to handle connections')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`php-fpm did not start: ${await readFile(log, 'utf8').catch(() => '')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    socket,
    stop: async () => {
      child.kill('SIGQUIT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
