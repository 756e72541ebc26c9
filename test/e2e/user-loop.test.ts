import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest, type SimpleResponse } from '../helpers/http-client.js';
import { eventually, fixtureSite, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';
import { cliEnv, cliOk } from './cli-process.js';

type Row = Record<string, unknown>;

const app = (path: string, applicationPool: string) => ({
  path,
  applicationPool,
  virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
});

// Issue 10's user's loop, as a user walks it: start the system, send traffic, then observe and control
// it through the `w3pool` CLI (the built binary) and the admin API, and find the change in the file.
describe("the user's loop", () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    // 1. The system: WAS, a listener, a worker for DefaultAppPool; Bounded has no worker yet, so its
    // requests wait in its queue, where the listener's queueLength bound can be seen.
    system = await startSystem({
      config: ([port]) => ({
        applicationPools: [{ name: 'DefaultAppPool' }, { name: 'Bounded', queueLength: 1000 }],
        sites: [
          {
            name: 'Loop',
            id: 1,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [app('/', 'DefaultAppPool'), app('/bounded', 'Bounded')],
          },
        ],
        webServer: { handlers: testHandlers() },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const w3pool = (...args: string[]) => cliOk(args, cliEnv(system));
  const json = async (...args: string[]) => JSON.parse(await w3pool('--json', ...args)) as Row[] & Row;
  const get = (path: string): Promise<SimpleResponse> => httpRequest(`${system.baseUrl}${path}`);

  it('observes, changes, recycles, stops and starts a pool, and the file keeps the change', async () => {
    // 2. Traffic.
    const first = await get('/pid.test');
    expect(first.status).toBe(200);
    const workerPid = Number(first.body);

    // 3. The workers and the requests in flight.
    const wps = await eventually(async () => {
      const found = (await json('list', 'wps')).filter((w) => w.pid === workerPid && w.state === 'Running');
      return found.length === 1 ? found : undefined;
    }, 'the worker in list wps');
    expect(wps[0]).toMatchObject({ pool: 'DefaultAppPool', pid: workerPid });
    // Long enough to be seen: the host writes its worker records once a second, and each CLI call is a new
    // node process (1–2 s on a busy machine).
    const slow = get('/sleep.test?ms=10000');
    const inFlight = await eventually(async () => {
      const found = await json('list', 'requests', '--pool', 'DefaultAppPool');
      return found.length === 1 && found[0]!.pid !== null ? found : undefined;
    }, 'the slow request in list requests');
    expect(inFlight[0]).toMatchObject({ url: '/sleep.test?ms=10000', pid: workerPid, verb: 'GET' });
    expect((await slow).status).toBe(200);

    // 4. queueLength 1000 → 12 through the CLI (the live-config PATCH), and the listener applies it: with
    // 12 requests waiting in Bounded's queue the 13th is refused 503 QueueFull.
    const changed = await json('set', 'apppool', 'Bounded', '--queueLength', '12');
    expect(changed).toMatchObject({ persisted: 'file' });
    // The listener says when it has applied a version: its log line, not a guess at how long it takes.
    await eventually(
      () =>
        system.listener.lines.some(
          (l) => l.includes('configuration applied') && l.includes(`"version":${String(changed.version)}`),
        )
          ? true
          : undefined,
      `the listener applying version ${String(changed.version)}`,
    );
    expect((await json('list', 'apppools')).find((p) => p.name === 'Bounded')?.queueLength).toBe(12);
    const held = Array.from({ length: 12 }, (_, i) => get(`/bounded/pid.test?held=${i}`));
    await eventually(
      async () =>
        (await json('list', 'apppools')).find((p) => p.name === 'Bounded')?.CurrentQueueSize === 12
          ? true
          : undefined,
      '12 requests queued in Bounded',
    );
    const refused = await get('/bounded/pid.test?held=13');
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('LISTENER_QUEUE_FULL');
    // A worker for Bounded serves the held ones: nothing queued is lost.
    await system.startWorker('Bounded');
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(12).fill(200));

    // 5. Recycle through the CLI: the acknowledged answer names the old and the new pid, and the new one
    // serves.
    const recycled = await json('recycle', 'apppool', 'DefaultAppPool');
    expect(recycled.oldPids).toEqual([workerPid]);
    const newPids = recycled.newPids as number[];
    expect(newPids).toHaveLength(1);
    expect(newPids[0]).not.toBe(workerPid);
    expect((await json('list', 'wps', '--pool', 'DefaultAppPool')).map((w) => w.pid)).toContain(newPids[0]);
    expect((await get('/pid.test')).body).toBe(String(newPids[0]));

    // 6. Stop the pool: 503 (the stop is answered once every listener has applied it).
    expect(await w3pool('stop', 'apppool', 'DefaultAppPool')).toMatch(/APPPOOL "DefaultAppPool" stopped/);
    const stopped = await get('/pid.test');
    expect(stopped.status).toBe(503);
    expect(stopped.body).toContain('LISTENER_POOL_STOPPED');

    // 7. Start it: 200.
    expect(await w3pool('start', 'apppool', 'DefaultAppPool')).toMatch(/APPPOOL "DefaultAppPool" started/);
    expect((await get('/pid.test')).status).toBe(200);

    // 8. The configuration file holds the new queueLength (written back, as IIS writes applicationHost.config).
    const file = parse(await readFile(system.configFile, 'utf8')) as { applicationPools: Row[] };
    expect(file.applicationPools.find((p) => p.name === 'Bounded')?.queueLength).toBe(12);
  }, 120_000);
});
