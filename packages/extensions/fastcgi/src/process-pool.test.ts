import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessExit } from './fastcgi-process.js';
import { closePools, makePool, processAlive, runScript, startScript } from './php-test-helpers.js';
import type { ProcessPool } from './process-pool.js';

// The FastCGI process pool's bookkeeping against real php-cgi -b processes.

const dirs: string[] = [];
afterEach(async () => {
  await closePools();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'w3pool-fastcgi-gate-'));
  dirs.push(dir);
  return dir;
}

/** The next exit of process `pid`, as the pool reports it. */
function exitOf(pool: ProcessPool, pid: number): Promise<ProcessExit> {
  return new Promise((resolve) => {
    const listener = (exited: number, exit: ProcessExit) => {
      if (exited !== pid) return;
      pool.off('exited', listener);
      resolve(exit);
    };
    pool.on('exited', listener);
  });
}

describe('the FastCGI process pool', () => {
  it('starts php-cgi on demand and keeps serving on the same process and connection', async () => {
    const { pool } = await makePool();
    expect(pool.snapshot().pids).toEqual([]);
    const first = await runScript(pool, 'index.php', 'name=one');
    const second = await runScript(pool, 'index.php', 'name=two');
    expect(JSON.parse(first.body)).toMatchObject({ sapi: 'cgi-fcgi', get: { name: 'one' } });
    expect(JSON.parse(second.body)).toMatchObject({ get: { name: 'two' } });
    expect(second.pid).toBe(first.pid);
    expect(pool.snapshot()).toMatchObject({ pids: [first.pid], busy: 0, idle: 1, queued: 0 });
  });

  it('also runs its processes on a loopback TCP port (protocol Tcp)', async () => {
    const { pool } = await makePool({ spec: { protocol: 'Tcp' } });
    const page = await runScript(pool, 'index.php');
    expect(JSON.parse(page.body)).toMatchObject({ sapi: 'cgi-fcgi', pid: page.pid });
  });

  it('queues requests for a busy process, and refuses past queueLength with 503.4', async () => {
    const { pool } = await makePool({ maxInstances: 1, queueLength: 1 });
    const gate = join(await tempDir(), 'open');
    const running = await startScript(pool, 'wait.php', `gate=${gate}`);
    await running.until('started');
    const queued = startScript(pool, 'index.php');
    expect(pool.snapshot()).toMatchObject({ busy: 1, queued: 1 });
    await expect(pool.acquire(new AbortController().signal)).rejects.toMatchObject({
      code: 'EXT_FASTCGI_QUEUE_FULL',
      status: 503,
      substatus: 4,
    });
    await writeFile(gate, '');
    expect((await running.finish()).stdout).toContain('done');
    const page = await (await queued).finish();
    expect(page.stdout).toContain('"sapi": "cgi-fcgi"');
    expect(pool.snapshot()).toMatchObject({ pids: [running.call.pid], queued: 0 });
  });

  it('takes a waiter out of the queue when its client leaves', async () => {
    const { pool } = await makePool({ maxInstances: 1, queueLength: 1 });
    const gate = join(await tempDir(), 'open');
    const running = await startScript(pool, 'wait.php', `gate=${gate}`);
    await running.until('started');
    const leaving = new AbortController();
    const waiting = pool.acquire(leaving.signal);
    leaving.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(pool.snapshot().queued).toBe(0);
    await writeFile(gate, '');
    await running.finish();
  });

  it('replaces a process after instanceMaxRequests requests', async () => {
    const { pool } = await makePool({ instanceMaxRequests: 2 });
    const a = await runScript(pool, 'index.php');
    const exited = exitOf(pool, a.pid);
    const b = await runScript(pool, 'index.php');
    expect(b.pid).toBe(a.pid);
    expect(await exited).toMatchObject({ expected: true });
    const c = await runScript(pool, 'index.php');
    expect(c.pid).not.toBe(a.pid);
    expect(processAlive(a.pid)).toBe(false);
  });

  it('stops a process idle for idleTimeout', async () => {
    const { pool, log } = await makePool({ idleTimeoutMs: 200 });
    const page = await runScript(pool, 'index.php');
    expect(await exitOf(pool, page.pid)).toMatchObject({ expected: true });
    expect(pool.snapshot().pids).toEqual([]);
    expect(log.lines.some((l) => l.message.includes('idle for idleTimeout'))).toBe(true);
  });

  it('kills a process silent for activityTimeout, answers 500 for it, and starts another for the next request', async () => {
    const { pool } = await makePool({ maxInstances: 1 });
    const silent = await startScript(pool, 'slow.php', 's=30', {
      requestTimeoutMs: 30_000,
      activityTimeoutMs: 500,
    });
    const pid = silent.call.pid!;
    const exited = exitOf(pool, pid);
    await expect(silent.finish()).rejects.toMatchObject({
      code: 'EXT_FASTCGI_ACTIVITY_TIMEOUT',
      status: 500,
    });
    expect(await exited).toMatchObject({ expected: true, signal: 'SIGKILL' });
    const next = await runScript(pool, 'index.php');
    expect(next.pid).not.toBe(pid);
  });

  it('kills a process that outlasts requestTimeout even while it writes', async () => {
    const { pool } = await makePool();
    const busy = await startScript(pool, 'ticker.php', 's=30', {
      requestTimeoutMs: 800,
      activityTimeoutMs: 30_000,
    });
    await busy.until('.');
    await expect(busy.finish()).rejects.toMatchObject({ code: 'EXT_FASTCGI_REQUEST_TIMEOUT', status: 500 });
    expect(busy.stdout().length).toBeGreaterThan(1);
    await expect.poll(() => processAlive(busy.call.pid!), { timeout: 5000 }).toBe(false);
  });

  it('refuses the application with 503 after rapidFailsPerMinute failures, until the minute passes', async () => {
    let clock = Date.now();
    const { pool } = await makePool({ rapidFailsPerMinute: 2 }, () => clock);
    for (let crash = 1; crash <= 2; crash += 1) {
      const victim = await startScript(pool, 'wait.php', 'gate=/nonexistent/never');
      await victim.until('started');
      process.kill(victim.call.pid!, 'SIGKILL');
      await expect(victim.finish()).rejects.toMatchObject({
        code: 'EXT_FASTCGI_PROCESS_FAILED',
        status: 500,
      });
    }
    await expect(pool.acquire(new AbortController().signal)).rejects.toMatchObject({
      code: 'EXT_FASTCGI_RAPID_FAIL',
      status: 503,
    });
    clock += 60_001;
    expect(JSON.parse((await runScript(pool, 'index.php')).body)).toMatchObject({ sapi: 'cgi-fcgi' });
  });

  it('answers 502.2 when the program is not installed, cannot start or exits before it listens', async () => {
    const { pool: missing } = await makePool({ spec: { fullPath: '/nonexistent/php-cgi' } });
    const error = await missing.acquire(new AbortController().signal).catch((e: unknown) => e);
    // Its page names the package to install, for every client.
    expect(error).toMatchObject({ code: 'EXT_FASTCGI_PROGRAM_MISSING', status: 502, substatus: 2 });
    expect(String((error as Error).message)).toContain('apt-get install php-cgi');
    // A program that exits at once: a real process that never listens.
    const { pool: quits } = await makePool({ spec: { fullPath: '/bin/false', args: [] } });
    const quit = await quits.acquire(new AbortController().signal).catch((e: unknown) => e);
    expect(quit).toMatchObject({ code: 'EXT_FASTCGI_START_FAILED', status: 502, substatus: 2 });
    expect(String((quit as Error).message)).toMatch(/exited \(code 1\) before it listened/);
  });

  it('recycles every process when the monitorChangesTo file changes', async () => {
    const watched = join(await tempDir(), 'php.ini');
    await writeFile(watched, '; one\n');
    const { pool } = await makePool({ monitorChangesTo: watched });
    const before = await runScript(pool, 'index.php');
    const exited = exitOf(pool, before.pid);
    await writeFile(watched, '; two\n');
    expect(await exited).toMatchObject({ expected: true });
    const after = await runScript(pool, 'index.php');
    expect(after.pid).not.toBe(before.pid);
  });

  it('signals before it terminates when signalBeforeTerminateSeconds is set', async () => {
    const { pool } = await makePool({ idleTimeoutMs: 100, signalBeforeTerminateSeconds: 5 });
    const page = await runScript(pool, 'index.php');
    const exit = await exitOf(pool, page.pid);
    // php-cgi leaves on SIGTERM by itself: no SIGKILL was needed.
    expect(exit.expected).toBe(true);
    expect(exit.signal).not.toBe('SIGKILL');
  });

  it('close() stops every process and refuses new requests', async () => {
    const { pool } = await makePool({ maxInstances: 2 });
    const gate = join(await tempDir(), 'open');
    const [one, two] = await Promise.all([
      startScript(pool, 'wait.php', `gate=${gate}`),
      startScript(pool, 'wait.php', `gate=${gate}`),
    ]);
    await Promise.all([one.until('started'), two.until('started')]);
    const pids = [one.call.pid!, two.call.pid!];
    const closing = pool.close();
    await expect(pool.acquire(new AbortController().signal)).rejects.toMatchObject({
      code: 'EXT_FASTCGI_SHUTTING_DOWN',
    });
    // The running requests finish; then their processes stop.
    await writeFile(gate, '');
    await Promise.all([one.finish(), two.finish()]);
    await closing;
    expect(pids.map(processAlive)).toEqual([false, false]);
  });
});
