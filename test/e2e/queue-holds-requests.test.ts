import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { PoolQueue } from '@w3pool/pool-queue';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, startSystem, workerPids, type RunningSystem } from '../helpers/system.js';

// The seed articles' reliability claim: http.sys keeps accepting and queueing while the worker is down,
// and a restarted worker serves what waited.
describe('the pool queue holds requests while no worker runs', () => {
  let system: RunningSystem;
  let redis: Redis;
  beforeAll(async () => {
    system = await startSystem();
    redis = new Redis(system.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  });

  it('completes a request sent while the worker was dead, once a worker starts again', async () => {
    await system.worker.stop('SIGKILL');
    const pending = httpRequest(`${system.baseUrl}/style.css`);

    // Wait until the listener has queued it (the state, not a sleep).
    const queue = new PoolQueue(redis, 'DefaultAppPool');
    await eventually(
      async () => ((await queue.depth()) === 1 ? true : undefined),
      'the request in the pool queue',
      5000,
    );

    const host = await system.startWorker();
    const res = await pending;
    expect(res.status).toBe(200);
    const pid = Number(String(res.headers['x-w3pool-worker']).split('/')[1]);
    expect(await workerPids(host)).toContain(pid);
  });
});
