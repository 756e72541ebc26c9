import { printOutputOnFailure } from '../helpers/failure-output.js';
import { request as httpGet, type ClientRequest } from 'node:http';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, type SimpleResponse } from '../helpers/http-client.js';
import { eventually, fixtureSite, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

const app = (path: string, applicationPool: string) => ({
  path,
  applicationPool,
  virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
});

// Admission (queueLength), the queue deadline (Timer_AppPool), Client_Reset and stopped pools and sites: the
// listener answers for each itself, with the real processes and no worker for the pools under test.
describe('listener pool queues', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  let marks: string;
  beforeAll(async () => {
    marks = join(
      await import('node:os').then((os) => os.tmpdir()),
      `w3pool-marks-${process.pid}-${Date.now()}`,
    );
    system = await startSystem({
      env: { W3POOL_TEST_MARKS: marks },
      config: ([port]) => ({
        applicationPools: [
          { name: 'DefaultAppPool' },
          { name: 'Bounded', queueLength: 10 },
          { name: 'TcpPool', queueLength: 10, failure: { loadBalancerCapabilities: 'TcpLevel' } },
          { name: 'Expiring', queueTimeout: '00:00:01', startMode: 'AlwaysRunning' },
          { name: 'Parked' },
        ],
        sites: [
          {
            name: 'Queues',
            id: 1,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [
              app('/', 'DefaultAppPool'),
              app('/bounded', 'Bounded'),
              app('/tcp', 'TcpPool'),
              app('/expiring', 'Expiring'),
              app('/parked', 'Parked'),
            ],
          },
        ],
        webServer: { handlers: testHandlers() },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
    await rm(marks, { force: true });
  });

  const url = (path: string) => `${system.baseUrl}${path}`;
  const queued = async (pool: string): Promise<number> => {
    const res = await httpRequest(`${system.wasUrl}/api/apppools`, { headers: system.adminHeaders() });
    const pools = JSON.parse(res.body) as { name: string; CurrentQueueSize: number }[];
    return pools.find((p) => p.name === pool)?.CurrentQueueSize ?? -1;
  };
  const waitQueued = (pool: string, count: number) =>
    eventually(async () => ((await queued(pool)) === count ? true : undefined), `${count} queued in ${pool}`);
  const httperr = () => readFile(join(system.dir, 'logs/HTTPERR/httperr1.log'), 'utf8').catch(() => '');
  const ran = () => readFile(marks, 'utf8').catch(() => '');

  it('answers 503 QueueFull with Retry-After past queueLength, and serves the held requests once a worker comes', async () => {
    const held = Array.from({ length: 10 }, (_, i) => httpRequest(url(`/bounded/mark.test?id=held${i}`)));
    await waitQueued('Bounded', 10);
    const refused = await httpRequest(url('/bounded/mark.test?id=refused'));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toContain('LISTENER_QUEUE_FULL');
    await eventually(
      async () => ((await httperr()).includes('QueueFull') ? true : undefined),
      'QueueFull in HTTPERR',
    );

    await system.startWorker('Bounded');
    const answers = await Promise.all(held);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    await waitQueued('Bounded', 0);
    expect((await httpRequest(url('/bounded/mark.test?id=after'))).status).toBe(200);
    expect(await ran()).not.toContain('refused');
  });

  it('closes the connection instead when loadBalancerCapabilities is TcpLevel', async () => {
    const held = Array.from({ length: 10 }, (_, i) => httpRequest(url(`/tcp/mark.test?id=tcp${i}`)));
    await waitQueued('TcpPool', 10);
    await expect(httpRequest(url('/tcp/mark.test?id=tcp-refused'))).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    await system.startWorker('TcpPool');
    expect((await Promise.all(held)).every((a) => a.status === 200)).toBe(true);
  });

  it('takes a request off the queue at its deadline, answers 503 Timer_AppPool, and never runs it', async () => {
    const started = Date.now();
    const expired = await httpRequest(url('/expiring/mark.test?id=expired'));
    expect(expired.status).toBe(503);
    expect(expired.body).toContain('LISTENER_QUEUE_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await waitQueued('Expiring', 0);
    await eventually(
      async () => ((await httperr()).includes('Timer_AppPool') ? true : undefined),
      'Timer_AppPool',
    );

    // A 1 s deadline leaves no room for a cold start: wait until its worker process is up.
    const host = await system.startWorker('Expiring');
    await host.waitForLine(/worker process ready/);
    expect((await httpRequest(url('/expiring/mark.test?id=in-time'))).status).toBe(200);
    const log = await ran();
    expect(log).toContain('in-time');
    expect(log).not.toContain('expired');
  });

  it('withdraws a queued request whose client disconnects (Client_Reset), so it never runs', async () => {
    let client: ClientRequest | undefined;
    const gone = new Promise<void>((resolve) => {
      client = httpGet(url('/parked/mark.test?id=gone'), { agent: false });
      client.on('error', () => resolve());
      client.end();
    });
    await waitQueued('Parked', 1);
    client?.destroy();
    await gone;
    await waitQueued('Parked', 0);
    await eventually(
      async () => ((await httperr()).includes('Client_Reset') ? true : undefined),
      'Client_Reset',
    );

    await system.startWorker('Parked');
    expect((await httpRequest(url('/parked/mark.test?id=kept'))).status).toBe(200);
    const log = await ran();
    expect(log).toContain('kept');
    expect(log).not.toContain('gone');
  });

  it('answers 503 Disabled for a stopped pool or site, and serves again once started', async () => {
    const admin = (path: string) =>
      httpRequest(`${system.wasUrl}${path}`, { method: 'POST', headers: system.adminHeaders() });
    const status = async (path: string): Promise<number> => (await httpRequest(url(path))).status;
    const until = (path: string, want: number) =>
      eventually(async () => ((await status(path)) === want ? true : undefined), `${path} → ${want}`);

    expect((await admin('/api/apppools/DefaultAppPool/stop')).status).toBe(200);
    await until('/index.html', 503);
    const stopped: SimpleResponse = await httpRequest(url('/index.html'));
    expect(stopped.body).toContain('LISTENER_POOL_STOPPED');
    await admin('/api/apppools/DefaultAppPool/start');
    await until('/index.html', 200);

    await admin('/api/sites/1/stop');
    await until('/index.html', 503);
    await admin('/api/sites/1/start');
    await until('/index.html', 200);
    await eventually(async () => (/ 503 1 Disabled /.test(await httperr()) ? true : undefined), 'Disabled');
    expect((await admin('/api/apppools/NoSuchPool/stop')).status).toBe(404);
  });
});
