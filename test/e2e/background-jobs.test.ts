import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { poolEvents } from '../helpers/pools.js';
import { processAlive, repoRoot } from '../helpers/service-process.js';
import { eventually, fixtureSite, startSystem, workerPids, type RunningSystem } from '../helpers/system.js';

const POOL = 'Jobs';
/** A pool whose workers get 3 s to drain (shutdownTimeLimit), serving the application /short. */
const SHORT = 'ShortDrain';

interface JobsView {
  name: string;
  applications: {
    siteId: number;
    path: string;
    queue: string;
    counts: Record<'waiting' | 'active' | 'completed' | 'failed' | 'delayed', number>;
    failed: { id: string; name: string; failedReason: string; attemptsMade: number; timestamp: number }[];
  }[];
}

// Durable background jobs (BullMQ) through the whole system: a request queues a job from the application's
// domain, the processors it declared run it on the pool's workers, a recycle loses nothing and runs nothing
// twice, and WAS shows the counts, the failures and the failure events.
describe('background jobs', () => {
  let system: RunningSystem;
  let dir: string;
  let journalFile: string;
  printOutputOnFailure(() => system);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3pool-jobs-'));
    journalFile = join(dir, 'journal.txt');
    await writeFile(journalFile, '');
    system = await startSystem({
      workers: [POOL, SHORT],
      env: { W3POOL_TEST_JOBS: journalFile },
      config: ([port]) => ({
        // pingInterval is also the jobs' lock: 2 s, so a crashed worker's job runs again within seconds.
        applicationPools: [
          { name: POOL, startMode: 'AlwaysRunning', processModel: { pingInterval: '00:00:02' } },
          {
            name: SHORT,
            startMode: 'AlwaysRunning',
            processModel: { pingInterval: '00:00:02', shutdownTimeLimit: '00:00:03' },
          },
        ],
        sites: [
          {
            name: 'Jobs',
            id: 1,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [
              {
                path: '/',
                applicationPool: POOL,
                virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
              },
              {
                path: '/short',
                applicationPool: SHORT,
                virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
              },
            ],
          },
        ],
        webServer: {
          handlers: {
            list: [
              {
                name: 'BackgroundJobsApp',
                path: '*.jobs',
                verb: '*',
                type: join(repoRoot, 'test/fixtures/extensions/background-jobs-app.js'),
              },
              STATIC_FILE_MAPPING,
            ],
          },
        },
      }),
    });
    await Promise.all(system.workers.map((host) => host.waitForLine(/worker process ready/)));
  });
  afterAll(async () => {
    await system?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const enqueue = async (name: string, data: unknown, options?: unknown, app = '') => {
    const res = await httpRequest(`${system.baseUrl}${app}/enqueue.jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, data, options }),
    });
    if (res.status !== 200) throw new Error(`enqueue ${name}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as { id: string; pid: number };
  };
  const journal = async () => (await readFile(journalFile, 'utf8')).split('\n').filter(Boolean);
  const linesOf = async (kind: string, id: string) =>
    (await journal()).filter((l) => l.startsWith(`${kind} ${id} `)).map((l) => l.split(' '));
  const jobs = async () => {
    const res = await httpRequest(`${system.wasUrl}/api/apppools/${POOL}/jobs`, {
      headers: system.adminHeaders(),
    });
    if (res.status !== 200) throw new Error(`jobs view: ${res.status} ${res.body}`);
    return (JSON.parse(res.body) as JobsView).applications[0]!;
  };

  it('a job queued right before a forced recycle completes exactly once', async () => {
    const [oldPid] = await workerPids(system.worker);
    // A job long enough to be running when the recycle starts, and two queued just before it.
    const long = await enqueue('record', { ms: 2500 });
    await eventually(
      async () => ((await linesOf('start', long.id)).length > 0 ? true : undefined),
      'job running',
    );
    const queued = [await enqueue('record', { ms: 200 }), await enqueue('record', { ms: 200 })];
    const recycle = await httpRequest(`${system.wasUrl}/api/apppools/${POOL}/recycle`, {
      method: 'POST',
      headers: system.adminHeaders(),
    });
    expect(recycle.status).toBe(200);

    // The recycle is over once the old worker process has exited (it drains its jobs first).
    await eventually(
      async () => {
        const pids = await workerPids(system.worker);
        return pids.length === 1 && pids[0] !== oldPid ? true : undefined;
      },
      'the old worker process gone, its replacement running',
      30_000,
    );
    const settled = await eventually(async () => {
      const view = await jobs();
      return view.counts.active === 0 && view.counts.waiting === 0 ? view : undefined;
    }, 'no job waiting or running');
    expect(settled.counts.failed).toBe(0);
    for (const job of [long, ...queued]) {
      expect(await linesOf('start', job.id), `job ${job.id} started once`).toHaveLength(1);
      expect(await linesOf('done', job.id), `job ${job.id} done once`).toHaveLength(1);
    }
    // The running job was finished by the worker that had it, during its drain: not cut, not run again.
    expect(Number((await linesOf('done', long.id))[0]![2])).toBe(oldPid);
    // And the replacement takes the jobs from now on.
    const [newPid] = await workerPids(system.worker);
    const after = await enqueue('record', { ms: 0 });
    const done = await eventually(async () => (await linesOf('done', after.id))[0], 'job after the recycle');
    expect(Number(done[2])).toBe(newPid);
  }, 60_000);

  it('a job still running when the drain runs out (shutdownTimeLimit) runs again on the new worker', async () => {
    const host = system.workers[1]!;
    const [oldPid] = await workerPids(host);
    // Far longer than the drain, however slowly the new worker starts on a loaded machine; quick once rerun.
    const job = await enqueue(
      'record',
      { ms: 60_000, rerunMs: 0 },
      { jobId: 'outlasts-the-drain' },
      '/short',
    );
    await eventually(
      async () => ((await linesOf('start', job.id)).length > 0 ? true : undefined),
      'job running',
    );
    await httpRequest(`${system.wasUrl}/api/apppools/${SHORT}/recycle`, {
      method: 'POST',
      headers: system.adminHeaders(),
    });
    // 3 s shutdownTimeLimit: the old domain stops waiting after 2 s and ends, cutting the job short.
    await host.waitForLine(/background jobs still running at the drain limit/);
    const done = await eventually(
      async () => (await linesOf('done', job.id))[0],
      'the job done on the new worker',
      20_000,
    );
    const starts = await linesOf('start', job.id);
    expect(starts.map((l) => Number(l[2]))).toEqual([oldPid, Number(done[2])]);
    expect(Number(done[2])).not.toBe(oldPid);
    expect(await linesOf('done', job.id)).toHaveLength(1);
  });

  it('a job running when its worker process crashes runs again on the replacement, once', async () => {
    const [crashedPid] = await workerPids(system.worker);
    const job = await enqueue('record', { ms: 3000 });
    await eventually(
      async () => ((await linesOf('start', job.id)).length > 0 ? true : undefined),
      'job running',
    );
    process.kill(crashedPid!, 'SIGKILL');
    // Its lock expires (pingInterval, 2 s here) and a stalled-job check (as often) returns it to wait.
    const rerun = await eventually(
      async () => {
        const starts = await linesOf('start', job.id);
        return starts.length === 2 ? starts[1] : undefined;
      },
      'the job started again after the crash',
      20_000,
    );
    expect(Number(rerun[2])).not.toBe(crashedPid);
    // A stall is not a failed attempt: the job starts again as attempt 0.
    expect(Number(rerun[3])).toBe(0);
    const done = await eventually(
      async () => (await linesOf('done', job.id))[0],
      'the job done after the crash',
    );
    expect(Number(done[2])).toBe(Number(rerun[2]));
    const view = await eventually(async () => {
      const now = await jobs();
      return now.counts.active === 0 ? now : undefined;
    }, 'no job running');
    expect(view.counts.failed).toBe(0);
    expect(await linesOf('done', job.id)).toHaveLength(1);
  });

  it('a job whose processor throws is retried with its backoff, then succeeds', async () => {
    const backoffMs = 300;
    const { id } = await enqueue(
      'flaky',
      { failures: 2 },
      { attempts: 3, backoff: { type: 'exponential', delay: backoffMs } },
    );
    const succeeded = await eventually(async () => (await linesOf('succeeded', id))[0], 'the third attempt');
    expect(Number(succeeded[2])).toBe(2); // attempts made before the one that succeeded
    const attempts = await linesOf('attempt', id);
    expect(attempts.map((a) => Number(a[2]))).toEqual([0, 1, 2]);
    const at = attempts.map((a) => Number(a[3]));
    // Exponential: the n-th retry waits delay × 2^(n-1).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(backoffMs);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(backoffMs * 2);
    console.log(
      `retries: waited ${at[1]! - at[0]!} ms and ${at[2]! - at[1]!} ms (backoff ${backoffMs} ms, exponential)`,
    );
  });

  it('the admin API shows the counts and the failed jobs, and each failure is an event', async () => {
    const before = await jobs();
    const doomed = await enqueue('doomed', {}, { attempts: 2, backoff: 100 });
    const unclaimed = await enqueue('nobody-processes-this', { x: 1 });
    const delayed = await enqueue('record', { ms: 0 }, { delay: 600_000 });

    // The counts and the list are two reads of BullMQ's queue: wait until both show the two failures.
    const view = await eventually(async () => {
      const now = await jobs();
      const ids = now.failed.map((f) => f.id);
      const listed = ids.includes(doomed.id) && ids.includes(unclaimed.id);
      return listed && now.counts.failed >= before.counts.failed + 2 ? now : undefined;
    }, 'both failures listed and counted');
    expect(view.counts.failed).toBe(before.counts.failed + 2);
    expect(view.counts.delayed).toBe(before.counts.delayed + 1);
    expect(view.counts.completed).toBeGreaterThanOrEqual(before.counts.completed);
    const failedDoomed = view.failed.find((f) => f.id === doomed.id)!;
    expect(failedDoomed).toMatchObject({
      name: 'doomed',
      failedReason: 'doomed on purpose',
      attemptsMade: 2,
    });
    const failedUnclaimed = view.failed.find((f) => f.id === unclaimed.id)!;
    expect(failedUnclaimed.name).toBe('nobody-processes-this');
    expect(failedUnclaimed.failedReason).toMatch(/^WORKER_JOB_NO_PROCESSOR: .*"nobody-processes-this"/);
    expect(failedUnclaimed.attemptsMade).toBe(1);
    expect(delayed.id).toBeTruthy();

    const events = await eventually(async () => {
      const failures = (await poolEvents(system, POOL)).filter((e) => e.kind === 'JobFailed');
      const ids = failures.map((e) => (e as unknown as { jobId: string }).jobId);
      return ids.includes(doomed.id) && ids.includes(unclaimed.id) ? failures : undefined;
    }, 'JobFailed events');
    const event = events.find((e) => (e as unknown as { jobId: string }).jobId === doomed.id)!;
    expect(event).toMatchObject({
      pool: POOL,
      app: '/',
      site: '1',
      job: 'doomed',
      detail: 'doomed on purpose',
    });
  });

  it('refuses a job with invalid options with 500 WORKER_JOB_INVALID, and keeps serving', async () => {
    const bad = await httpRequest(`${system.baseUrl}/enqueue.jobs`, {
      method: 'POST',
      body: JSON.stringify({ name: 'record', data: {}, options: { attempts: 0 } }),
    });
    expect(bad.status).toBe(500);
    expect(bad.body).toContain('WORKER_JOB_INVALID');
    const good = await enqueue('record', { ms: 0 });
    await eventually(async () => (await linesOf('done', good.id))[0], 'a good job after a bad one');
  });

  it('carries on after Redis restarts: new jobs are processed and their failures logged', async () => {
    const [pid] = await workerPids(system.worker);
    await system.redis.restart();
    // The listener answers 503 until it, WAS and the worker have reconnected; then the job is queued.
    // Job ids start again from 1 in the new Redis: ids of our own keep the journal unambiguous.
    const job = await eventually(
      () => enqueue('record', { ms: 0 }, { jobId: 'after-restart' }),
      'a job queued after the restart',
      30_000,
    );
    await eventually(async () => (await linesOf('done', job.id))[0], 'the job done after the restart');
    const doomed = await enqueue('doomed', {}, { jobId: 'doomed-after-restart' });
    await eventually(
      async () =>
        (await poolEvents(system, POOL)).find(
          (e) => e.kind === 'JobFailed' && (e as unknown as { jobId: string }).jobId === doomed.id,
        ),
      'JobFailed event after the restart',
    );
    // Nothing crashed on the way: the same worker process served throughout.
    expect(await workerPids(system.worker)).toEqual([pid]);
  });

  it('a repeating job runs on its schedule (a BullMQ job scheduler)', async () => {
    const { id } = await enqueue('record', { ms: 0 }, { repeat: { every: 300 }, jobId: 'heartbeat' });
    expect(id).toBe('heartbeat');
    // Each run is a job of its own, made by the scheduler: at least two runs.
    await eventually(async () => {
      const runs = (await journal()).filter((l) => /^done repeat:heartbeat:/.test(l));
      return runs.length >= 2 ? runs : undefined;
    }, 'two runs of the schedule');
  });

  // Last: it stops Redis, WAS and a pool host.
  it('stops without waiting on an absent Redis: WAS with its job readers, a pool host within shutdownTimeLimit', async () => {
    const host = system.workers[1]!;
    const w3wps = await workerPids(host);
    await system.redis.stop();
    const started = Date.now();
    const exits = [system.was, host].map(async (service) => {
      service.child.kill('SIGTERM');
      await service.exited;
      return Date.now() - started;
    });
    const [was, pool] = await Promise.all(exits);
    console.log(`stopped without Redis: WAS in ${was} ms, a pool host with background jobs in ${pool} ms`);
    expect(was).toBeLessThan(2000);
    // The pool's shutdownTimeLimit is 3 s: its worker stops within it, background jobs or not.
    expect(pool).toBeLessThan(10_000);
    await eventually(
      () => (w3wps.some(processAlive) ? undefined : true),
      'the worker processes to exit',
      5000,
    );
  });
});
