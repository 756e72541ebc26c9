import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpRequest, startSystem, type SimpleResponse } from '@w3pool/test/helpers';
import { expressAppScript, peerAppScript, phpPagesDir } from '../apps/app-paths.js';
import type { ProcessRole } from '../cpu-sampler.js';
import { Cleanup } from '../processes.js';
import { startNginx } from './nginx.js';
import { peerDir } from './peer-process.js';
import { peerVersions } from './peer-versions.js';
import { startPhpFpm, type ProcessManager } from './php-fpm.js';
import { startPm2Cluster } from './pm2-cluster.js';

// Real peers, started as the benchmark starts them: PM2, nginx and php-fpm are installed on the machines
// that run this suite (CI installs nginx and php-fpm with apt-get), so nothing is skipped.

const KB = 1024;

/** Pids by role, at this moment. */
async function pidsOf(roles: ProcessRole[]): Promise<Map<string, number[]>> {
  const byRole = new Map<string, number[]>();
  for (const { role, pids } of roles) byRole.set(role, [...(byRole.get(role) ?? []), ...(await pids())]);
  return byRole;
}

/** A process that still runs: /proc has it and it is not a zombie (PID 1 here need not reap orphans). */
async function stillRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat[stat.lastIndexOf(')') + 2] !== 'Z';
}

async function expectAllGone(pids: number[]): Promise<void> {
  const running = [];
  for (const pid of pids) if (await stillRunning(pid)) running.push(pid);
  expect(running).toEqual([]);
}

/** Requests one after another, each on a new connection, for as long as `work` runs: their statuses. */
async function statusesDuring(url: string, work: Promise<void>): Promise<number[]> {
  let done = false;
  const failure = work
    .then(
      () => undefined,
      (error: unknown) => error as Error,
    )
    .finally(() => {
      done = true;
    });
  const statuses: number[] = [];
  // A refused or reset request counts as status 0.
  while (!done) statuses.push(await httpRequest(url, { timeoutMs: 10_000 }).then(statusOf, () => 0));
  const error = await failure;
  if (error !== undefined) throw error;
  return statuses;
}

function statusOf(response: SimpleResponse): number {
  return response.status;
}

describe('benchmark peers', () => {
  let cleanup: Cleanup;

  beforeAll(() => {
    for (const script of [peerAppScript(), expressAppScript()])
      if (!existsSync(script))
        throw new Error(`${script} is missing: build the bench first (npx tsc -b bench)`);
  });

  beforeEach(() => {
    cleanup = new Cleanup();
  });

  // A failed test still stops what it started.
  afterEach(() => cleanup.run());

  it('PM2 cluster: two instances serve every route of the peer app, and pm2 kill leaves nothing', async () => {
    const cluster = await startPm2Cluster(cleanup, { script: peerAppScript(), instances: 2 });
    expect(cluster.version).toMatch(/^\d+\.\d+\.\d+/);

    const hello = await httpRequest(`${cluster.baseUrl}/hello`);
    expect(hello).toMatchObject({ status: 200, body: 'hello world' });
    expect(hello.headers['content-type']).toBe('text/plain');
    expect((await httpRequest(`${cluster.baseUrl}/cpu`)).body).toBe('done');
    const megabyte = await httpRequest(`${cluster.baseUrl}/1mb`);
    expect(megabyte.headers['content-length']).toBe(String(KB * KB));
    expect(Buffer.byteLength(megabyte.body)).toBe(KB * KB);
    const upload = randomBytes(50 * KB).toString('hex');
    const echoed = await httpRequest(`${cluster.baseUrl}/echo`, { method: 'POST', body: upload });
    expect(echoed).toMatchObject({ status: 200, body: upload });
    expect(echoed.headers['content-length']).toBe(String(upload.length));

    const pids = await pidsOf(cluster.processes());
    expect(pids.get('PM2 app')).toHaveLength(2);
    expect(pids.get('PM2 daemon')).toHaveLength(1);
    expect([...pids.get('PM2 app')!].sort()).toEqual((await cluster.listedPids()).sort());

    await cleanup.run();
    await expectAllGone([...pids.get('PM2 app')!, ...pids.get('PM2 daemon')!]);
  });

  it('PM2 cluster: pm2 reload replaces both instances while every request is answered', async () => {
    const cluster = await startPm2Cluster(cleanup, { script: peerAppScript(), instances: 2 });
    const before = (await pidsOf(cluster.processes())).get('PM2 app')!;

    const statuses = await statusesDuring(`${cluster.baseUrl}/hello`, cluster.reload());
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    const after = (await pidsOf(cluster.processes())).get('PM2 app')!;
    expect(after).toHaveLength(2);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    expect((await httpRequest(`${cluster.baseUrl}/hello`)).body).toBe('hello world');

    const daemon = (await pidsOf(cluster.processes())).get('PM2 daemon')!;
    await cleanup.run();
    await expectAllGone([...before, ...after, ...daemon]);
  });

  it('PM2 cluster runs the Express app', async () => {
    const cluster = await startPm2Cluster(cleanup, { script: expressAppScript(), instances: 2 });
    const hello = await httpRequest(`${cluster.baseUrl}/hello`);
    expect(hello).toMatchObject({ status: 200, body: 'hello world' });
    expect(hello.headers['content-type']).toMatch(/^text\/plain/);
  });

  it("w3pool's NodeAppModule serves the same Express app file", async () => {
    const script = expressAppScript();
    const mapping = {
      name: 'NodeApp',
      path: '*',
      verb: '*',
      modules: 'NodeAppModule',
      scriptProcessor: basename(script),
    };
    const system = await startSystem({
      workers: ['NodeApps'],
      config: ([port]) => ({
        applicationPools: [{ name: 'NodeApps', startMode: 'AlwaysRunning' }],
        sites: [
          {
            name: 'Express',
            id: 1,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [
              {
                path: '/',
                applicationPool: 'NodeApps',
                virtualDirectories: [{ path: '/', physicalPath: dirname(script) }],
              },
            ],
          },
        ],
        webServer: { handlers: { list: [mapping] } },
      }),
    });
    cleanup.add(() => system.stop());
    const hello = await httpRequest(`${system.baseUrl}/hello`);
    expect(hello).toMatchObject({ status: 200, body: 'hello world' });
    expect(hello.headers['x-w3pool-worker']).toMatch(/^NodeApps\//);
  });

  it('nginx serves a static file byte for byte, from master and worker processes', async () => {
    const root = await peerDir(cleanup, 'static-root');
    const bytes = randomBytes(256 * KB);
    await writeFile(join(root, 'file.bin'), bytes);
    const nginx = await startNginx(cleanup, { root, workerProcesses: 2 });
    expect(nginx.version).toMatch(/^nginx\/\d+\.\d+/);

    const response = await fetch(`${nginx.baseUrl}/file.bin`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await httpRequest(`${nginx.baseUrl}/missing.bin`)).status).toBe(404);

    const pids = (await pidsOf(nginx.processes())).get('nginx')!;
    expect(pids).toHaveLength(3);
    await cleanup.run();
    await expectAllGone(pids);
  });

  it('nginx → php-fpm serves hello.php, info.php and cpu.php, and keeps serving through a php-fpm reload', async () => {
    const fpm = await startPhpFpm(cleanup, { pm: 'static', maxChildren: 4 });
    expect(fpm.version).toMatch(/^PHP \d+\.\d+/);
    const nginx = await startNginx(cleanup, { root: phpPagesDir(), phpFpmSocket: fpm.socket });

    const hello = await httpRequest(`${nginx.baseUrl}/hello.php`);
    expect(hello).toMatchObject({ status: 200, body: 'hello world' });
    expect(hello.headers['content-type']).toMatch(/^text\/plain/);
    const info = await httpRequest(`${nginx.baseUrl}/info.php`);
    expect(info.status).toBe(200);
    expect(info.body).toContain('PHP Version');
    expect((await httpRequest(`${nginx.baseUrl}/cpu.php`)).body).toBe('done');

    const before = (await pidsOf(fpm.processes())).get('php-fpm')!;
    expect(before).toHaveLength(5); // the master and its 4 children
    const statuses = await statusesDuring(`${nginx.baseUrl}/hello.php`, fpm.reload());
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const after = (await pidsOf(fpm.processes())).get('php-fpm')!;
    expect(after).toHaveLength(5);
    expect(after[0]).toBe(before[0]); // the master re-executes itself: same pid, new children
    expect(after.slice(1).filter((pid) => before.includes(pid))).toEqual([]);
    expect((await httpRequest(`${nginx.baseUrl}/hello.php`)).body).toBe('hello world');

    const nginxPids = (await pidsOf(nginx.processes())).get('nginx')!;
    await cleanup.run();
    await expectAllGone([...before, ...after, ...nginxPids]);
  });

  it.each<[ProcessManager, number]>([
    ['dynamic', 5],
    ['ondemand', 4],
    ['static', 2],
  ])('nginx → php-fpm with pm = %s and %i children serves hello.php', async (pm, maxChildren) => {
    const fpm = await startPhpFpm(cleanup, { pm, maxChildren, backlog: 100 });
    const nginx = await startNginx(cleanup, { root: phpPagesDir(), phpFpmSocket: fpm.socket });
    for (let i = 0; i < 4; i += 1)
      expect(await httpRequest(`${nginx.baseUrl}/hello.php`)).toMatchObject({
        status: 200,
        body: 'hello world',
      });
    const pids = [...(await pidsOf([...fpm.processes(), ...nginx.processes()])).values()].flat();
    await cleanup.run();
    await expectAllGone(pids);
  });

  it('names the version of every peer', async () => {
    const versions = await peerVersions();
    expect(versions.pm2).toMatch(/^\d+\.\d+\.\d+/);
    expect(versions.express).toMatch(/^5\./);
    expect(versions.nginx).toMatch(/^nginx\/\d/);
    expect(versions['php-fpm']).toMatch(/^PHP \d/);
  });
});
