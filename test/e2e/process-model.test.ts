import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import type { ServiceProcess } from '../helpers/service-process.js';
import { poolEvent, poolsConfig, requestsInFlight } from '../helpers/pools.js';
import { eventually, startSystem, workerPids, type RunningSystem } from '../helpers/system.js';

const POOLS: Record<string, Record<string, unknown>> = {
  Demand: { processModel: { idleTimeout: '00:00:02' } },
  Always: { startMode: 'AlwaysRunning', processModel: { maxProcesses: 2 } },
  Garden: { processModel: { maxProcesses: 2 }, workerConcurrency: 1 },
  Crashy: { startMode: 'AlwaysRunning' },
  Hangy: {
    startMode: 'AlwaysRunning',
    processModel: { pingInterval: '00:00:01', pingResponseTime: '00:00:02' },
  },
  Orphans: {
    startMode: 'AlwaysRunning',
    processModel: { pingInterval: '00:00:01', pingResponseTime: '00:00:02' },
    failure: { orphanWorkerProcess: true },
  },
  Fragile: { startMode: 'AlwaysRunning', failure: { rapidFailProtectionMaxCrashes: 2 } },
  Stuck: {
    startMode: 'AlwaysRunning',
    processModel: { startupTimeLimit: '00:00:02' },
    failure: { rapidFailProtection: false },
    environmentVariables: [{ name: 'W3POOL_TEST_HANG_ON_LOAD', value: '1' }],
  },
  Sick: { startMode: 'AlwaysRunning' },
  Retrying: { startMode: 'AlwaysRunning', retryGetOnCrash: true },
  Draining: { startMode: 'AlwaysRunning', processModel: { shutdownTimeLimit: '00:00:01' } },
};

// Worker processes as a pool host runs them: activation, health, crashes and rapid-fail protection, with
// real child processes, real signals and a private Redis.
describe('pool host process model', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  const hosts: ServiceProcess[] = [];
  let offlineRoot: string;
  beforeAll(async () => {
    offlineRoot = await mkdtemp(join(tmpdir(), 'w3pool-offline-'));
    await writeFile(join(offlineRoot, 'index.html'), 'online');
    system = await startSystem({
      workers: [],
      config: ([port]) =>
        poolsConfig(port!, POOLS, {
          rootPool: 'DefaultAppPool',
          extraApplications: [
            {
              path: '/offline',
              applicationPool: 'DefaultAppPool',
              virtualDirectories: [{ path: '/', physicalPath: offlineRoot }],
            },
          ],
        }),
    });
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop('SIGTERM')));
    await system?.stop();
    await rm(offlineRoot, { recursive: true, force: true });
  });

  const host = async (pool: string) => {
    const started = await system.startWorker(pool);
    hosts.push(started);
    return started;
  };
  const get = (path: string) => httpRequest(`${system.baseUrl}${path}`);
  const eventOf = (pool: string, kind: string, reason?: string) => poolEvent(system, pool, kind, reason);
  const children = (h: ServiceProcess, count: number) =>
    eventually(async () => {
      const pids = await workerPids(h);
      return pids.length === count ? pids : undefined;
    }, `${count} worker process(es)`);

  it('OnDemand: no worker until the first request, which starts one and is served; idleTimeout stops it', async () => {
    const demand = await host('Demand');
    expect(await workerPids(demand)).toEqual([]);
    const coldStart = Date.now();
    const first = await get('/demand/pid.test');
    const coldMs = Date.now() - coldStart;
    expect(first.status).toBe(200);
    expect(await workerPids(demand)).toEqual([Number(first.body)]);
    const warmStart = Date.now();
    expect((await get('/demand/pid.test')).body).toBe(first.body);
    console.log(`OnDemand cold start: first request ${coldMs} ms, next one ${Date.now() - warmStart} ms`);

    // idleTimeout 2 s with Terminate: the worker goes, and an event says why.
    await children(demand, 0);
    const idle = await eventOf('Demand', 'IdleTimeout');
    expect(idle.pid).toBe(first.body);
  });

  it('AlwaysRunning keeps maxProcesses workers up without any request (a web garden of 2)', async () => {
    const always = await host('Always');
    const pids = await children(always, 2);
    const answers = new Set<string>();
    for (let i = 0; i < 20 && answers.size < 2; i += 1) answers.add((await get('/always/pid.test')).body);
    expect([...answers].map(Number).every((pid) => pids.includes(pid))).toBe(true);
  });

  it('OnDemand web garden: one worker while it keeps up, a second once requests wait in the queue', async () => {
    const garden = await host('Garden');
    const first = await get('/garden/pid.test');
    expect(first.status).toBe(200);
    // One at a time: the one worker keeps up, nothing waits, the garden stays at one.
    expect((await get('/garden/pid.test')).body).toBe(first.body);
    expect(await workerPids(garden)).toEqual([Number(first.body)]);
    // workerConcurrency 1: one of four runs, three wait in the queue, and the pool host starts the second.
    // 10 s each: the first worker alone would take 40 s, so the second (seconds to load beside the suite)
    // is ready while requests still wait, and serves some of them.
    const slow = [1, 2, 3, 4].map(() =>
      httpRequest(`${system.baseUrl}/garden/sleep.test?ms=10000`, { timeoutMs: 55_000 }),
    );
    const pids = await children(garden, 2);
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const servedBy = new Set(answers.map((a) => Number(/in (\d+)/.exec(a.body)?.[1])));
    expect([...servedBy].sort()).toEqual([...pids].sort());
  });

  it('a crash answers the requests in flight with 502.3 at once, keeps the queued ones, and is replaced', async () => {
    const crashy = await host('Crashy');
    const [before] = await children(crashy, 1);
    const inFlight = get('/crashy/sleep.test?ms=20000');
    await requestsInFlight(system, before!, 1);
    const crash = get('/crashy/crash.test');
    const abandoned = await inFlight;
    expect(abandoned.status).toBe(502);
    expect(abandoned.body).toContain('HTTP Error 502.3');
    expect(abandoned.body).toContain('WORKER_PROCESS_FAILED');
    expect((await crash).status).toBe(502);
    const after = await get('/crashy/pid.test');
    expect(after.status).toBe(200);
    expect(Number(after.body)).not.toBe(before);
    const event = await eventOf('Crashy', 'Crash');
    expect(event.detail).toMatch(/signal SIGKILL/);
  });

  it('kills and replaces a worker whose event loop is blocked (no ping answer within pingResponseTime)', async () => {
    const hangy = await host('Hangy');
    await hangy.waitForLine(/worker process ready/);
    const [before] = await children(hangy, 1);
    const hung = await get('/hangy/hang.test');
    expect(hung.status).toBe(502);
    await eventOf('Hangy', 'PingFailure');
    const after = await get('/hangy/pid.test');
    expect(Number(after.body)).not.toBe(before);
  });

  it('orphanWorkerProcess leaves the hung worker alive for a debugger and serves with a new one', async () => {
    const orphans = await host('Orphans');
    await orphans.waitForLine(/worker process ready/);
    const [hungPid] = await children(orphans, 1);
    expect((await get('/orphans/hang.test')).status).toBe(502);
    await eventOf('Orphans', 'Orphaned');
    const after = await get('/orphans/pid.test');
    expect(Number(after.body)).not.toBe(hungPid);
    expect(() => process.kill(hungPid!, 0)).not.toThrow();
    process.kill(hungPid!, 'SIGKILL');
  });

  it('kills a worker that is not ready within startupTimeLimit, and counts it as a failure', async () => {
    const stuck = await host('Stuck');
    const event = await eventOf('Stuck', 'StartupFailure');
    expect(event.detail).toMatch(/signal SIGKILL/);
    await stuck.stop('SIGTERM');
  });

  it('recycles a worker that an extension reports unhealthy', async () => {
    const sick = await host('Sick');
    const [before] = await children(sick, 1);
    expect((await get('/sick/unhealthy.test')).status).toBe(200);
    await eventOf('Sick', 'Recycle', 'IsapiUnhealthy');
    await eventually(async () => {
      const pid = Number((await get('/sick/pid.test')).body);
      return pid !== before ? pid : undefined;
    }, 'a new worker');
  });

  it('kills a draining worker after shutdownTimeLimit; its request in flight gets 502.3', async () => {
    const draining = await host('Draining');
    const [before] = await children(draining, 1);
    const long = get('/draining/sleep.test?ms=20000');
    await requestsInFlight(system, before!, 1);
    expect(
      (
        await httpRequest(`${system.wasUrl}/api/apppools/Draining/recycle`, {
          method: 'POST',
          headers: system.adminHeaders(),
        })
      ).status,
    ).toBe(200);
    const res = await long;
    expect(res.status).toBe(502);
    expect(Number((await get('/draining/pid.test')).body)).not.toBe(before);
  });

  it('rapid-fail protection stops the pool after rapidFailProtectionMaxCrashes; listeners answer 503; start brings it back', async () => {
    await host('Fragile');
    expect((await get('/fragile/crash.test')).status).toBe(502);
    expect((await get('/fragile/crash.test')).status).toBe(502);
    const stopped = await eventually(async () => {
      const res = await get('/fragile/pid.test');
      return res.status === 503 ? res : undefined;
    }, 'the pool stopped');
    expect(stopped.body).toContain('LISTENER_POOL_OFFLINE');
    const event = await eventOf('Fragile', 'RapidFail');
    expect(event.detail?.split(';')).toHaveLength(2);
    const pools = JSON.parse(
      (await httpRequest(`${system.wasUrl}/api/apppools`, { headers: system.adminHeaders() })).body,
    ) as {
      name: string;
      state: string;
      reason?: string;
    }[];
    expect(pools.find((p) => p.name === 'Fragile')).toMatchObject({ state: 'Stopped', reason: 'RapidFail' });

    await httpRequest(`${system.wasUrl}/api/apppools/Fragile/start`, {
      method: 'POST',
      headers: system.adminHeaders(),
    });
    await eventually(
      async () => ((await get('/fragile/pid.test')).status === 200 ? true : undefined),
      'served again',
    );
  });

  it('app_offline.htm takes one application offline with its content and 503; the other applications of the pool serve', async () => {
    await host('DefaultAppPool');
    expect((await get('/offline/index.html')).body).toBe('online');
    await writeFile(join(offlineRoot, 'app_offline.htm'), '<h1>Back soon</h1>');
    const offline = await eventually(async () => {
      const res = await get('/offline/index.html');
      return res.status === 503 ? res : undefined;
    }, 'the application offline');
    expect(offline.body).toBe('<h1>Back soon</h1>');
    expect((await get('/index.html')).status).toBe(200);
    await unlink(join(offlineRoot, 'app_offline.htm'));
    await eventually(
      async () => ((await get('/offline/index.html')).status === 200 ? true : undefined),
      'back online',
    );
  });

  it('with retryGetOnCrash, a GET in flight on a worker killed by a signal is served once more by its replacement', async () => {
    const retrying = await host('Retrying');
    await retrying.waitForLine(/worker process ready/);
    const [victim] = await children(retrying, 1);
    const inFlight = get('/retrying/sleep.test?ms=6000');
    await requestsInFlight(system, victim!, 1);
    process.kill(victim!, 'SIGKILL');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain(String(victim));
  });
});
