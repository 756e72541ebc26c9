import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { repoRoot, startNode, type ServiceProcess } from './service-process.js';

export const fixtureSite = join(repoRoot, 'test/fixtures/site');

/** A minimal valid configuration: one pool, one site bound to 127.0.0.1:<port>, serving `root`. */
export function siteConfig(
  port: number,
  root = fixtureSite,
  extra: { host?: string; pool?: Record<string, unknown> } = {},
) {
  return {
    applicationPools: [{ name: 'DefaultAppPool', ...extra.pool }],
    sites: [
      {
        name: 'Test Site',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:${extra.host ?? ''}` }],
        applications: [
          {
            path: '/',
            applicationPool: 'DefaultAppPool',
            virtualDirectories: [{ path: '/', physicalPath: root }],
          },
        ],
      },
    ],
  };
}

export async function writeConfig(config: unknown): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'w3pool-test-'));
  const file = join(dir, 'w3pool.yaml');
  await writeFile(file, typeof config === 'string' ? config : stringify(config));
  return { file, dir };
}

export interface RunningSystem {
  redis: TestRedis;
  was: ServiceProcess;
  listener: ServiceProcess;
  worker: ServiceProcess;
  port: number;
  baseUrl: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
  startWorker(pool?: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** WAS, listener and one worker, as real processes, against a private Redis. */
export async function startSystem(options: { host?: string } = {}): Promise<RunningSystem> {
  const redis = await startRedis();
  const port = await freePort();
  const wasPort = await freePort();
  const { file, dir } = await writeConfig(siteConfig(port, fixtureSite, options));
  const env = { REDIS_URL: redis.url, W3POOL_WAS_PORT: String(wasPort) };
  const was = startNode('was', ['services/was/dist/main.js', '--config', file], env);
  await was.waitForLine(/WAS ready/);
  const listener = startNode('listener', ['services/listener/dist/main.js'], env);
  const startWorker = async (pool = 'DefaultAppPool') => {
    const worker = startNode('worker', ['services/worker/dist/main.js', '--pool', pool], env);
    await worker.waitForLine(/worker ready/);
    return worker;
  };
  const [worker] = await Promise.all([startWorker(), listener.waitForLine(/listener ready/)]);
  const system: RunningSystem = {
    redis,
    was,
    listener,
    worker,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    configFile: file,
    env,
    startWorker,
    stop: async () => {
      await Promise.all([system.worker.stop('SIGKILL'), listener.stop('SIGKILL'), was.stop('SIGKILL')]);
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => system.stop(),
  };
  return system;
}
