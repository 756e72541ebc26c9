import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { poolsConfig } from '../helpers/pools.js';
import { processAlive } from '../helpers/service-process.js';
import { eventually, startSystem, workerPids, type RunningSystem } from '../helpers/system.js';

const POOLS: Record<string, Record<string, unknown>> = {
  // Its worker never becomes ready, and the host would wait an hour before killing it.
  Starting: {
    startMode: 'AlwaysRunning',
    processModel: { startupTimeLimit: '01:00:00' },
    environmentVariables: [{ name: 'W3POOL_TEST_HANG_ON_LOAD', value: '1' }],
  },
  Serving: { startMode: 'AlwaysRunning' },
};

// A w3wp never outlives its pool host: nobody would ping it, recycle it or settle its requests.
describe('a pool host that dies', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      workers: [],
      config: ([port]) => poolsConfig(port!, POOLS, { rootPool: 'Serving' }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const orphanOf = async (pool: string) => {
    const host = await system.startWorker(pool);
    const [w3wp] = await eventually(async () => {
      const pids = await workerPids(host);
      return pids.length > 0 ? pids : undefined;
    }, `the ${pool} worker process`);
    return { host, w3wp: w3wp! };
  };

  it('takes a worker that was still starting with it', async () => {
    const { host, w3wp } = await orphanOf('Starting');
    await host.stop('SIGKILL');
    await eventually(() => (processAlive(w3wp) ? undefined : true), 'the starting worker to exit', 5000);
  });

  it('takes a serving worker with it once it has drained', async () => {
    const { host, w3wp } = await orphanOf('Serving');
    await eventually(
      async () => ((await httpRequest(`${system.baseUrl}/pid.test`)).status === 200 ? true : undefined),
      'a request served',
    );
    await host.stop('SIGKILL');
    await eventually(() => (processAlive(w3wp) ? undefined : true), 'the serving worker to exit', 15_000);
    expect(processAlive(w3wp)).toBe(false);
  });
});
