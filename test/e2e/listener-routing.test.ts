import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_STATE_KEY, STATE_CHANNEL } from '@w3pool/protocol';
import { freePort } from '../helpers/free-port.js';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

const app = (path: string, applicationPool: string, physicalPath: string) => ({
  path,
  applicationPool,
  virtualDirectories: [{ path: '/', physicalPath }],
});

// http.sys routing: bindings by address, port and Host, explicit host first; applications by longest path,
// which picks the pool; re-binding on a configuration change without a restart.
describe('listener routing and bindings', () => {
  let system: RunningSystem;
  let roots: { a: string; b: string };
  let extraPort: number;
  const config = (ports: number[], withExtra: boolean) => ({
    applicationPools: [{ name: 'DefaultAppPool' }, { name: 'Api' }],
    sites: [
      {
        name: 'Contoso',
        id: 1,
        bindings: [
          { protocol: 'http', bindingInformation: `127.0.0.1:${ports[0]}:contoso.test` },
          ...(withExtra ? [{ protocol: 'http', bindingInformation: `127.0.0.1:${extraPort}:` }] : []),
        ],
        applications: [app('/', 'DefaultAppPool', roots.a), app('/api', 'Api', roots.a)],
      },
      {
        name: 'Catch-all',
        id: 2,
        bindings: [{ protocol: 'http', bindingInformation: `*:${ports[0]}:` }],
        applications: [app('/', 'DefaultAppPool', roots.b)],
      },
    ],
    webServer: { handlers: testHandlers() },
  });

  beforeAll(async () => {
    roots = {
      a: await mkdtemp(join(tmpdir(), 'w3pool-site-a-')),
      b: await mkdtemp(join(tmpdir(), 'w3pool-site-b-')),
    };
    await writeFile(join(roots.a, 'index.html'), 'site A');
    await writeFile(join(roots.b, 'index.html'), 'site B');
    extraPort = await freePort();
    system = await startSystem({ config: (ports) => config(ports, false) });
  });
  afterAll(async () => {
    await system?.stop();
    await rm(roots.a, { recursive: true, force: true });
    await rm(roots.b, { recursive: true, force: true });
  });
  const get = (host: string, path = '/index.html', port = system.port) =>
    httpRequest(`http://127.0.0.1:${port}${path}`, { headers: { host } });

  it('prefers the explicit host binding over the wildcard on the same port', async () => {
    expect((await get('contoso.test')).body).toBe('site A');
    expect((await get('CONTOSO.TEST:80')).body).toBe('site A');
    expect((await get('anything.else')).body).toBe('site B');
  });

  it('sends a request to the pool of the longest matching application path', async () => {
    // The Api pool has no worker: the request waits in its queue, not in DefaultAppPool's.
    const waiting = get('contoso.test', '/api/mark.test?id=api', system.port);
    await eventually(async () => {
      const pools = JSON.parse(
        (await httpRequest(`${system.wasUrl}/api/apppools`, { headers: system.adminHeaders() })).body,
      ) as {
        name: string;
        CurrentQueueSize: number;
      }[];
      return pools.find((p) => p.name === 'Api')?.CurrentQueueSize === 1 ? true : undefined;
    }, 'the request in the Api queue');
    await system.startWorker('Api');
    expect((await waiting).headers['x-w3pool-worker']).toMatch(/^Api\//);
  });

  it('answers 503 AppOffline for a pool that rapid-fail protection stopped', async () => {
    const redis = new Redis(system.redis.url);
    try {
      // What WAS records when rapid-fail protection takes a pool offline.
      await redis.hset(
        POOL_STATE_KEY,
        'DefaultAppPool',
        JSON.stringify({ state: 'Stopped', reason: 'AppOffline', since: Date.now() }),
      );
      await redis.publish(STATE_CHANNEL, POOL_STATE_KEY);
      const offline = await eventually(async () => {
        const res = await get('contoso.test');
        return res.status === 503 ? res : undefined;
      }, '503 AppOffline');
      expect(offline.body).toContain('LISTENER_POOL_OFFLINE');
      await redis.hdel(POOL_STATE_KEY, 'DefaultAppPool');
      await redis.publish(STATE_CHANNEL, POOL_STATE_KEY);
      await eventually(
        async () => ((await get('contoso.test')).status === 200 ? true : undefined),
        'back online',
      );
    } finally {
      redis.disconnect();
    }
    const log = join(system.dir, 'logs/HTTPERR/httperr1.log');
    await eventually(
      async () =>
        / 503 1 AppOffline DefaultAppPool/.test(await readFile(log, 'utf8').catch(() => ''))
          ? true
          : undefined,
      'AppOffline in HTTPERR',
    );
  });

  it('binds a port added to the configuration and releases a removed one, without a restart', async () => {
    await expect(get('x', '/index.html', extraPort)).rejects.toThrow(/ECONNREFUSED/);
    await writeFile(system.configFile, stringify(config(system.ports, true)));
    system.was.child.kill('SIGHUP');
    const added = await eventually(async () => {
      const res = await get('x', '/index.html', extraPort).catch(() => undefined);
      return res?.status === 200 ? res : undefined;
    }, 'the new binding to answer');
    expect(added.body).toBe('site A');

    await writeFile(system.configFile, stringify(config(system.ports, false)));
    system.was.child.kill('SIGHUP');
    await eventually(
      async () =>
        (await get('x', '/index.html', extraPort).catch((e: Error) => e)) instanceof Error ? true : undefined,
      'the removed binding to close',
    );
    expect(system.listener.running).toBe(true);
  });
});
