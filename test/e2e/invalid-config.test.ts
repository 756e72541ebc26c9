import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startNode } from '../helpers/service-process.js';
import { freePort } from '../helpers/free-port.js';
import { siteConfig, writeConfig } from '../helpers/system.js';

// A bad configuration never starts the system, and the message says where and why.
describe('an invalid configuration file', () => {
  let redis: TestRedis;
  const dirs: string[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function badConfigFile(): Promise<string> {
    const config = siteConfig(await freePort());
    const pool = config.applicationPools[0] as Record<string, unknown>;
    pool.queueLength = 5; // below IIS's minimum of 10
    pool.processModel = { pingIntervall: '00:00:30' }; // misspelt key
    const { file, dir } = await writeConfig(config);
    dirs.push(dir);
    return file;
  }

  it('makes WAS exit non-zero, naming each bad key by its JSON pointer', async () => {
    const was = startNode('was', ['services/was/dist/main.js', '--config', await badConfigFile()], {
      REDIS_URL: redis.url,
      W3POOL_WAS_PORT: String(await freePort()),
    });
    const { code } = await was.exited;
    expect(code).not.toBe(0);
    expect(was.output()).toContain('/applicationPools/0/queueLength');
    expect(was.output()).toContain('/applicationPools/0/processModel/pingIntervall');
    expect(was.output()).toContain('CONFIG_INVALID');
  });

  it('makes the launcher exit non-zero with the same message, before it starts Redis or any service', async () => {
    const launcher = startNode(
      'launcher',
      ['tools/launcher/dist/main.js', '--config', await badConfigFile()],
      {
        REDIS_URL: redis.url,
      },
    );
    const { code } = await launcher.exited;
    expect(code).toBe(1);
    expect(launcher.output()).toContain('/applicationPools/0/queueLength');
    // The config is checked first, so nothing was spawned that could be left behind.
    expect(launcher.output()).not.toMatch(/started redis-server|\[was\]|\[listener\]|running:/);
  });

  it('names a reference to an undefined pool', async () => {
    const config = siteConfig(await freePort());
    config.sites[0]!.applications[0]!.applicationPool = 'NoSuchPool';
    const { file, dir } = await writeConfig(config);
    dirs.push(dir);
    const was = startNode('was', ['services/was/dist/main.js', '--config', file], {
      REDIS_URL: redis.url,
      W3POOL_WAS_PORT: String(await freePort()),
    });
    expect((await was.exited).code).not.toBe(0);
    expect(was.output()).toContain('/sites/0/applications/0/applicationPool');
    expect(was.output()).toContain('NoSuchPool');
  });
});
