import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingLog } from '@w3pool/extension-sdk/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CONCURRENCY,
  ExternalServer,
  parseAddress,
  type ExternalSettings,
} from './external-server.js';
import { startPhpFpm, startScript } from './php-test-helpers.js';

// The external-server backend against a real php-fpm with two children.

describe('an external FastCGI server (php-fpm)', () => {
  let fpm: Awaited<ReturnType<typeof startPhpFpm>>;
  const servers: ExternalServer[] = [];
  beforeAll(async () => {
    fpm = await startPhpFpm(2);
  });
  // A kept connection holds a php-fpm child: each test closes what it opened.
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  afterAll(async () => {
    await fpm?.stop();
  });

  const server = (settings: Partial<ExternalSettings> = {}) => {
    const log = new RecordingLog();
    const backend = new ExternalServer(
      {
        name: 'php-fpm',
        address: { path: fpm.socket },
        maxInstances: 0,
        queueLength: 1,
        idleTimeoutMs: 60_000,
        connectTimeoutMs: 2000,
        ...settings,
      },
      log,
    );
    servers.push(backend);
    return { backend, log };
  };
  const signal = () => new AbortController().signal;

  it('parses tcp:// and unix: addresses, and refuses others', () => {
    expect(parseAddress('tcp://127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseAddress('tcp://[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseAddress('unix:/run/php/php-fpm.sock')).toEqual({ path: '/run/php/php-fpm.sock' });
    expect(parseAddress('unix:///run/php.sock')).toEqual({ path: '/run/php.sock' });
    expect(() => parseAddress('127.0.0.1:9000')).toThrow(/neither/);
    expect(() => parseAddress('tcp://host:99999')).toThrow(/neither/);
  });

  it('asks FCGI_GET_VALUES: php-fpm does not multiplex and does not say how many children it has', async () => {
    const { backend, log } = server();
    (await backend.acquire(signal())).release();
    expect(log.lines.find((l) => l.message === 'FastCGI server limits')?.fields).toMatchObject({
      total: DEFAULT_CONCURRENCY,
      perConnection: 1,
    });
  });

  it('takes maxInstances requests at once, hands a freed connection to the next, then refuses 503.4', async () => {
    const { backend } = server({ maxInstances: 2, queueLength: 1 });
    const [a, b] = await Promise.all([backend.acquire(signal()), backend.acquire(signal())]);
    expect(a.connection).not.toBe(b.connection);
    const queued = backend.acquire(signal());
    await expect(backend.acquire(signal())).rejects.toMatchObject({
      code: 'EXT_FASTCGI_QUEUE_FULL',
      status: 503,
      substatus: 4,
    });
    a.release();
    // The freed connection goes to the waiter: kept, not reopened.
    const c = await queued;
    expect(c.connection).toBe(a.connection);
    b.release();
    c.release();
  });

  it('frees a php-fpm child held by an idle kept connection for a request no child has taken yet', async () => {
    // Two children, three requests: two hold both children on gates, the third waits in php-fpm's backlog.
    const { backend } = server({ maxInstances: 3 });
    const dir = await mkdtemp(join(tmpdir(), 'w3pool-fpm-gates-'));
    const first = await startScript(backend, 'wait.php', `gate=${join(dir, 'one')}`);
    await first.until('started');
    const second = await startScript(backend, 'wait.php', `gate=${join(dir, 'two')}`);
    await second.until('started');
    const third = await startScript(backend, 'index.php', 'n=3');
    await writeFile(join(dir, 'one'), '');
    expect((await first.finish()).stdout).toContain('done');
    // The first connection, idle now, was closed: its child takes the third request while the second
    // still holds the other child.
    expect((await third.finish()).stdout).toContain('"n": "3"');
    expect(second.stdout()).not.toContain('done');
    await writeFile(join(dir, 'two'), '');
    expect((await second.finish()).stdout).toContain('done');
    await rm(dir, { recursive: true, force: true });
  });

  it('never hands a waiting request a connection it has just closed to free a child (a burst of 60)', async () => {
    // More connections than children: an idle connection is closed while others wait in php-fpm's backlog,
    // and the slot it frees goes to a queued request in the same tick. Before the fix that request took the
    // closing connection (its 'close' event had not come yet) and failed: 500 'closed the connection'.
    const { backend } = server({ maxInstances: 3, queueLength: 100 });
    const run = async (n: number) =>
      (await (await startScript(backend, 'index.php', `n=${n}`)).finish()).stdout;
    const outputs = await Promise.all(Array.from({ length: 60 }, (_, n) => run(n)));
    outputs.forEach((stdout, n) => expect(stdout).toContain(`"n": "${n}"`));
  });

  it('keeps its connections while requests run on the others: no connection per request under load', async () => {
    // Two at a time on two children: each request that ends finds the other in flight. Closing an idle
    // connection for that (it might wait in php-fpm's backlog) opened a connection per request.
    const { backend } = server({ maxInstances: 2, queueLength: 100 });
    const used = new Set<unknown>();
    const counting = {
      acquire: async (signal: AbortSignal) => {
        const lease = await backend.acquire(signal);
        used.add(lease.connection);
        return lease;
      },
    };
    const loop = async (from: number) => {
      for (let n = from; n < from + 20; n += 1) {
        const started = await startScript(counting, 'index.php', `n=${n}`);
        expect((await started.finish()).stdout).toContain(`"n": "${n}"`);
      }
    };
    await Promise.all([loop(0), loop(100)]);
    // 2 when every request answers within STALLED_MS; a slow host may close one now and then. One per
    // request (40) was the defect.
    expect(used.size).toBeLessThanOrEqual(10);
  });

  it('answers 502.3 when nothing listens at the address, with the default concurrency', async () => {
    const { backend, log } = server({ address: { path: '/nonexistent/php-fpm.sock' } });
    await expect(backend.acquire(signal())).rejects.toMatchObject({
      code: 'EXT_FASTCGI_SERVER_UNREACHABLE',
      status: 502,
      substatus: 3,
    });
    expect(log.lines.find((l) => l.message === 'FastCGI server limits')?.fields).toMatchObject({
      total: DEFAULT_CONCURRENCY,
    });
  });
});
