import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { processAlive } from '../helpers/service-process.js';
import {
  eventually,
  siteConfig,
  startSystem,
  testHandlers,
  workerPids,
  type RunningSystem,
} from '../helpers/system.js';

// Stopping must not depend on Redis: a service asked to stop while Redis is down still exits, within its
// limits (a pool host within the pool's shutdownTimeLimit, with its worker processes).
describe('stopping while Redis is down', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => ({
        ...siteConfig(port!, undefined, {
          pool: { startMode: 'AlwaysRunning', processModel: { shutdownTimeLimit: '00:00:03' } },
        }),
        webServer: { handlers: testHandlers() },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('lets WAS, the listener, the pool host and its worker processes exit on SIGTERM', async () => {
    await eventually(
      async () => ((await httpRequest(`${system.baseUrl}/pid.test`)).status === 200 ? true : undefined),
      'a worker',
    );
    const w3wps = await workerPids(system.worker);
    expect(w3wps.length).toBe(1);
    await system.redis.stop();
    const started = Date.now();
    const deadline = new Promise<'still running'>((resolve) =>
      setTimeout(() => resolve('still running'), 20_000).unref(),
    );
    const took = Object.fromEntries(
      await Promise.all(
        [system.was, system.listener, system.worker].map(async (service) => {
          service.child.kill('SIGTERM');
          const outcome = await Promise.race([service.exited.then(() => Date.now() - started), deadline]);
          return [service.name, outcome] as const;
        }),
      ),
    );
    // Names the service that hung, if one did: { was: 21, listener: 16, worker: 'still running' }.
    console.log(`stopped without Redis: ${JSON.stringify(took)}`);
    expect(took.was).toBeLessThan(5000);
    expect(took.listener).toBeLessThan(5000);
    // The pool host waits for its worker up to the pool's shutdownTimeLimit (3 s here), no longer.
    expect(took.worker).toBeLessThan(10_000);
    await eventually(
      () => (w3wps.some(processAlive) ? undefined : true),
      'the worker processes to exit',
      5000,
    );
  }, 60_000);
});
