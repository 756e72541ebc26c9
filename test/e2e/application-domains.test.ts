import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

interface DomainId {
  pid: number;
  threadId: number;
  moduleInstance: string;
}

// Each application of a pool runs in its own domain (a worker thread) inside the worker process, and a
// change to one application restarts that application alone.
describe('application domains', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  let roots: { a: string; b: string };
  const config = (port: number, extraVdir = false) => ({
    applicationPools: [{ name: 'Domains', startMode: 'AlwaysRunning' }],
    sites: [
      {
        name: 'Domains',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
        applications: [
          {
            path: '/',
            applicationPool: 'Domains',
            virtualDirectories: [{ path: '/', physicalPath: roots.a }],
          },
          {
            path: '/app-a',
            applicationPool: 'Domains',
            virtualDirectories: [{ path: '/', physicalPath: roots.a }],
          },
          {
            path: '/app-b',
            applicationPool: 'Domains',
            virtualDirectories: [
              { path: '/', physicalPath: roots.b },
              ...(extraVdir ? [{ path: '/extra', physicalPath: roots.a }] : []),
            ],
          },
        ],
      },
    ],
    webServer: { handlers: testHandlers() },
  });

  beforeAll(async () => {
    roots = {
      a: await mkdtemp(join(tmpdir(), 'w3pool-app-a-')),
      b: await mkdtemp(join(tmpdir(), 'w3pool-app-b-')),
    };
    await mkdir(join(roots.a, 'bin'));
    system = await startSystem({ workers: ['Domains'], config: ([port]) => config(port!) });
    await system.worker.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
    await rm(roots.a, { recursive: true, force: true });
    await rm(roots.b, { recursive: true, force: true });
  });

  const domain = async (app: string): Promise<DomainId> =>
    JSON.parse((await httpRequest(`${system.baseUrl}/${app}/domain.test`)).body) as DomainId;

  it('runs each application of the pool in its own domain of the same worker process', async () => {
    const [a, b] = await Promise.all([domain('app-a'), domain('app-b')]);
    expect(a.pid).toBe(b.pid);
    expect(a.threadId).not.toBe(b.threadId);
    expect(a.moduleInstance).not.toBe(b.moduleInstance);
  });

  it('restarts only the application whose files changed; its request in flight finishes on the old domain', async () => {
    const [a, b] = await Promise.all([domain('app-a'), domain('app-b')]);
    const slow = httpRequest(`${system.baseUrl}/app-a/sleep.test?ms=1500`);
    await writeFile(join(roots.a, 'bin', 'module.js'), `export const version = ${Date.now()};\n`);
    const restarted = await eventually(async () => {
      const now = await domain('app-a');
      return now.threadId !== a.threadId ? now : undefined;
    }, 'app-a in a new domain');
    expect(restarted.pid).toBe(a.pid);
    expect(restarted.moduleInstance).not.toBe(a.moduleInstance);
    expect(await domain('app-b')).toEqual(b);
    const finished = await slow;
    expect(finished.status).toBe(200);
  });

  it('restarts only the application whose configuration changed', async () => {
    const [a, b] = await Promise.all([domain('app-a'), domain('app-b')]);
    await writeFile(system.configFile, stringify(config(system.port, true)));
    system.was.child.kill('SIGHUP');
    const restarted = await eventually(async () => {
      const now = await domain('app-b');
      return now.threadId !== b.threadId ? now : undefined;
    }, 'app-b in a new domain');
    expect(restarted.pid).toBe(b.pid);
    expect(await domain('app-a')).toEqual(a);
  });

  it('a domain that dies answers its requests with 500 and starts again; the other applications are untouched', async () => {
    const [a, b] = await Promise.all([domain('app-a'), domain('app-b')]);
    const boom = await httpRequest(`${system.baseUrl}/app-a/boom.test`);
    expect(boom.status).toBe(500);
    expect(boom.body).toContain('WORKER_HANDLER_FAILED');
    const again = await domain('app-a');
    expect(again.pid).toBe(a.pid);
    expect(again.threadId).not.toBe(a.threadId);
    expect(await domain('app-b')).toEqual(b);
  });
});
