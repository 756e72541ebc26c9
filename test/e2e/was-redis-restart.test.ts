import { writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isNewerConfig, readPublishedStamp, type ConfigStamp } from '@w3pool/config';
import { POOL_STATE_KEY, parseRuntimeState } from '@w3pool/protocol';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { poolsConfig } from '../helpers/pools.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

// Redis restarts without persistence: it comes back empty. WAS answers its admin API with 503 meanwhile
// instead of hanging, then puts back the configuration (at the same epoch and version) and the pools an
// administrator stopped, so that a pool host started afterwards gets a configuration and the next change
// reaches the listeners that never restarted.
describe('WAS across a Redis restart', () => {
  let system: RunningSystem | undefined;
  let direct: Redis;
  const config = (port: number, queueLength = 1000) =>
    poolsConfig(port, { Other: { queueLength } }, { rootPool: 'DefaultAppPool' });
  beforeAll(async () => {
    system = await startSystem({ workers: [], config: (ports) => config(ports[0]!) });
    direct = new Redis(system.redis.url, { maxRetriesPerRequest: null });
    direct.on('error', () => undefined); // dropped by the restart, like everyone's
  });
  afterAll(async () => {
    direct?.disconnect();
    await system?.stop();
  });
  printOutputOnFailure(() => system);

  const adminCall = async (path: string, method = 'GET') => {
    const started = performance.now();
    const response = await httpRequest(`${system!.wasUrl}${path}`, {
      method,
      timeoutMs: 30_000,
      headers: system!.adminHeaders(),
    });
    return { ...response, ms: performance.now() - started };
  };

  it('answers 503 while Redis is down, republishes what Redis lost, and carries on with its versions', async () => {
    const { was, listener } = system!;
    expect((await adminCall('/api/apppools/Other/stop', 'POST')).status).toBe(200);
    const before = (await readPublishedStamp(direct))!;

    const during: number[] = [];
    await system!.redis.restart(async () => {
      await eventually(
        async () => ((await adminCall('/healthz')).status === 503 ? true : undefined),
        'degraded',
      );
      // Not one call but every call for a while: the reconnect attempts go on meanwhile.
      const until = Date.now() + 1_500;
      do {
        const response = await adminCall('/api/apppools');
        expect(response.status).toBe(503);
        expect(JSON.parse(response.body)).toMatchObject({ code: 'WAS_REDIS_UNAVAILABLE' });
        during.push(response.ms);
      } while (Date.now() < until);
    });
    // "Does not hang", with room for a loaded two-core machine; typically a few milliseconds.
    expect(Math.max(...during)).toBeLessThan(5_000);

    const after = await eventually(() => readPublishedStamp(direct), 'the configuration republished');
    expect(isNewerConfig(before, after)).toBe(false); // never backwards
    expect(after).toEqual(before);
    const state = await eventually(async () => {
      const json = await direct.hget(POOL_STATE_KEY, 'Other');
      return json ? parseRuntimeState(json) : undefined;
    }, 'the pool state written back');
    expect(state.state).toBe('Stopped');
    await eventually(async () => ((await adminCall('/readyz')).status === 200 ? true : undefined), 'ready');

    // A pool host started now needs the configuration from Redis: before the fix it waited forever.
    await system!.startWorker('DefaultAppPool');

    // The next change continues the epoch, so the listener (still at `before`) applies it.
    await writeFile(system!.configFile, stringify(config(system!.port, 2000)));
    process.kill(was.pid, 'SIGHUP');
    const next: ConfigStamp = { epoch: before.epoch, version: before.version + 1 };
    await was.waitForLine(
      new RegExp(`"epoch":${next.epoch},"version":${next.version}.*configuration published`),
    );
    await listener.waitForLine(new RegExp(`"version":${next.version}\\b.*"msg":"configuration applied"`));
    const pools = JSON.parse((await adminCall('/api/apppools')).body) as {
      name: string;
      queueLength: number;
    }[];
    expect(pools.find((p) => p.name === 'Other')).toMatchObject({ queueLength: 2000, state: 'Stopped' });

    // Never crashed, and said once (per connection) that Redis was unreachable, not per reconnect attempt.
    expect(was.running).toBe(true);
    expect(was.output()).not.toContain('Unhandled error event');
    expect(was.lines.filter((l) => l.includes('Redis unreachable')).length).toBeLessThanOrEqual(2);
  });
});
