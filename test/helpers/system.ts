import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
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

/** Handler mappings: the test app for `*.test` URLs, then IIS's StaticFile mapping. */
export function testHandlers() {
  return {
    list: [
      {
        name: 'TestApp',
        path: '*.test',
        verb: '*',
        type: join(repoRoot, 'test/fixtures/extensions/test-app.js'),
      },
      STATIC_FILE_MAPPING,
    ],
  };
}

/** Where a system's services find Redis: a private redis-server by default, or another deployment. */
export interface SystemRedis {
  /** REDIS_URL, as the services are given it. */
  readonly url: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface SystemOptions<R extends SystemRedis = TestRedis> {
  host?: string;
  /** Start the Redis the system uses (default: startRedis, one private redis-server). */
  redis?: () => Promise<R>;
  /** The whole configuration, built from the allocated listener ports (default: siteConfig on the first). */
  config?: (ports: number[]) => unknown;
  /** Listener ports to allocate (default 1). */
  portCount?: number;
  /** One entry per listener process: the indexes of the ports it binds (default: one listener, all ports). */
  listeners?: number[][];
  /** Pools to start one worker for (default DefaultAppPool; [] for none). */
  workers?: string[];
  /** Extra environment for every process. */
  env?: Record<string, string>;
}

export interface RunningSystem<R extends SystemRedis = TestRedis> {
  redis: R;
  was: ServiceProcess;
  wasUrl: string;
  /**
   * The admin API's bearer token (W3POOL_ADMIN_TOKEN, fresh per system): every /api call sends
   * `Authorization: Bearer <adminToken>`, as `adminHeaders()` gives it.
   */
  adminToken: string;
  adminHeaders(): Record<string, string>;
  listener: ServiceProcess;
  listeners: ServiceProcess[];
  worker: ServiceProcess;
  workers: ServiceProcess[];
  port: number;
  ports: number[];
  baseUrl: string;
  configFile: string;
  /** The temporary directory of the config file; relative log directories land here. */
  dir: string;
  env: NodeJS.ProcessEnv;
  startWorker(pool?: string): Promise<ServiceProcess>;
  startListener(portIndexes?: number[]): Promise<ServiceProcess>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** WAS, listeners and workers, as real processes, against a private Redis. */
export async function startSystem<R extends SystemRedis = TestRedis>(
  options: SystemOptions<R> = {},
): Promise<RunningSystem<R>> {
  // A port found free can still be bound by another suite before our process binds it: such a start is
  // abandoned whole and made again on new ports. Any other failure is the test's.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startSystemOnce(options);
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
    }
  }
}

async function startSystemOnce<R extends SystemRedis>(options: SystemOptions<R>): Promise<RunningSystem<R>> {
  // Without options.redis, R is TestRedis (the default type argument): startRedis gives exactly that.
  const redis = await (options.redis ?? (startRedis as unknown as () => Promise<R>))();
  const ports: number[] = [];
  for (let i = 0; i < (options.portCount ?? 1); i += 1) ports.push(await freePort());
  const port = ports[0]!;
  const wasPort = await freePort();
  const config = options.config ? options.config(ports) : siteConfig(port, fixtureSite, options);
  const { file, dir } = await writeConfig(config);
  const adminToken = randomBytes(24).toString('base64url');
  const env = {
    W3POOL_ADMIN_TOKEN: adminToken,
    ...options.env,
    REDIS_URL: redis.url,
    W3POOL_WAS_PORT: String(wasPort),
  };
  const was = startNode('was', ['services/was/dist/main.js', '--config', file], env);
  await was.waitForLine(/WAS ready/).catch(async (error: unknown) => {
    await was.stop('SIGKILL');
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const listeners: ServiceProcess[] = [];
  const workers: ServiceProcess[] = [];
  const startListener = async (indexes = ports.map((_, i) => i)) => {
    // Without an explicit split, a listener binds whatever the configuration names, as in production.
    const owned = options.listeners ? { W3POOL_LISTENER_PORTS: indexes.map((i) => ports[i]).join(',') } : {};
    const listener = startNode('listener', ['services/listener/dist/main.js'], { ...env, ...owned });
    listeners.push(listener);
    await listener.waitForLine(/listener ready/);
    return listener;
  };
  const startWorker = async (pool = 'DefaultAppPool') => {
    const worker = startNode('worker', ['services/worker/dist/main.js', '--pool', pool], env);
    workers.push(worker);
    await worker.waitForLine(/pool host ready/);
    return worker;
  };
  try {
    await Promise.all([
      ...(options.listeners ?? [ports.map((_, i) => i)]).map((indexes) => startListener(indexes)),
      ...(options.workers ?? ['DefaultAppPool']).map((pool) => startWorker(pool)),
    ]);
  } catch (error) {
    await Promise.all([...listeners, ...workers, was].map((p) => p.stop('SIGKILL')));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const system: RunningSystem<R> = {
    redis,
    was,
    wasUrl: `http://127.0.0.1:${wasPort}`,
    adminToken,
    adminHeaders: () => ({ authorization: `Bearer ${adminToken}` }),
    get listener() {
      return listeners[0]!;
    },
    listeners,
    get worker() {
      return workers[0]!;
    },
    workers,
    port,
    ports,
    baseUrl: `http://127.0.0.1:${port}`,
    configFile: file,
    dir,
    env,
    startWorker,
    startListener,
    stop: async () => {
      await Promise.all([...workers, ...listeners, was].map((p) => p.stop('SIGKILL')));
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => system.stop(),
  };
  return system;
}

/** Poll `probe` until it returns a value other than undefined, or fail at the deadline. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error as Error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The worker processes (w3wp) a pool host runs now: its child processes, from /proc. */
export async function workerPids(host: ServiceProcess): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${host.pid}/task/${host.pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}
