import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  eventually,
  type ServiceProcess,
  freePort,
  httpRequest,
  siteConfig,
  startNode,
  startRedis,
  workerPids,
  writeConfig,
} from '@w3pool/test/helpers';
import type { ProcessRole } from '../cpu-sampler.js';
import type { CaseContext } from '../measure.js';
import { reapLeftovers, stopProcess, type Cleanup } from '../processes.js';
import { RedisStats } from '../redis-stats.js';

export interface W3poolSystem {
  baseUrl: string;
  wasUrl: string;
  /** `Authorization: Bearer <token>` for the admin API (docs/admin-security.md). */
  adminHeaders: Record<string, string>;
  redis: RedisStats;
  /** listener, worker (every w3wp child of the pool host), pool host, WAS and redis. */
  processes: ProcessRole[];
  /** WAS, the listener and the pool host: all must outlive every run. */
  services: ServiceProcess[];
}

/** Redis, WAS and the listener: everything of a w3pool system in front of the worker processes. */
export interface W3poolFrontEnd {
  baseUrl: string;
  wasUrl: string;
  /** `Authorization: Bearer <token>` for the admin API (docs/admin-security.md). */
  adminHeaders: Record<string, string>;
  redisUrl: string;
  redis: RedisStats;
  /** What every service of the system is started with: REDIS_URL, WAS's port and admin token. */
  env: Record<string, string>;
  was: ServiceProcess;
  listener: ServiceProcess;
  /** Their CPU roles, for a case to list with its own processes in the order of the report. */
  roles: { listener: ProcessRole; was: ProcessRole; redis: ProcessRole };
}

/** The one site of a benchmark system: what it serves, and any pool or webServer settings beyond the defaults. */
export interface W3poolSite {
  root: string;
  handlers: unknown[];
  /** applicationPools[0] settings, e.g. { processModel: { maxProcesses: 2 }, queueLength: 100 }. */
  pool?: Record<string, unknown>;
  /** webServer sections besides handlers, e.g. { caching: { enableKernelCache: false }, fastCgi: ... }. */
  webServer?: Record<string, unknown>;
}

/**
 * A private Redis, WAS with a one-pool configuration (DefaultAppPool, site 1, application `/`, serving
 * `root` through `handlers`) and one listener, as `npm start` runs them; whatever takes from the pool's
 * queue is the caller's. Everything started is registered with `cleanup`.
 */
export async function startFrontEnd(
  context: Pick<CaseContext, 'options'>,
  cleanup: Cleanup,
  site: W3poolSite,
): Promise<W3poolFrontEnd> {
  const redis = await startRedis();
  cleanup.add(() => redis.stop());
  const stats = await RedisStats.connect(redis.url);
  cleanup.add(() => stats.close());
  const redisPid = await stats.pid();
  const port = await freePort();
  const wasPort = await freePort();
  const { concurrency } = context.options;
  // Without --concurrency the pool keeps the configuration default, as a deployment would.
  const pool = { ...(concurrency === undefined ? {} : { workerConcurrency: concurrency }), ...site.pool };
  const config = {
    ...siteConfig(port, site.root, { pool }),
    webServer: { ...site.webServer, handlers: { list: site.handlers } },
  };
  // The config's directory also receives the W3C logs (relative to the config file): removed with it.
  const { file, dir } = await writeConfig(config);
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  // A fresh admin token per system, as test/helpers/system.ts gives one: WAS generates none to announce.
  const adminToken = randomBytes(24).toString('base64url');
  const env = { REDIS_URL: redis.url, W3POOL_WAS_PORT: String(wasPort), W3POOL_ADMIN_TOKEN: adminToken };
  const was = startNode('was', ['services/was/dist/main.js', '--config', file], env);
  cleanup.add(() => stopProcess(was));
  await was.waitForLine(/WAS ready/);
  const listener = startNode('listener', ['services/listener/dist/main.js'], env);
  cleanup.add(() => stopProcess(listener));
  await listener.waitForLine(/listener ready/);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wasUrl: `http://127.0.0.1:${wasPort}`,
    adminHeaders: { authorization: `Bearer ${adminToken}` },
    redisUrl: redis.url,
    redis: stats,
    env,
    was,
    listener,
    roles: {
      listener: { role: 'listener', pids: () => [listener.pid] },
      was: { role: 'WAS', pids: () => [was.pid] },
      redis: { role: 'redis', pids: () => [redisPid] },
    },
  };
}

/**
 * Redis, WAS, one listener and one pool host for DefaultAppPool, serving `root` through `handlers`, as
 * `npm start` runs them. Everything started is registered with `cleanup`, so the caller stops it all.
 */
export async function startW3pool(
  context: Pick<CaseContext, 'options'>,
  cleanup: Cleanup,
  site: W3poolSite,
): Promise<W3poolSystem> {
  const front = await startFrontEnd(context, cleanup, site);
  const host = startNode(
    'pool host',
    ['services/worker/dist/main.js', '--pool', 'DefaultAppPool'],
    front.env,
  );
  // Every w3wp the samples saw, so none outlives the case; reaped after the host has stopped.
  const seen = new Set<number>();
  cleanup.add(() => reapLeftovers(seen, /w3wp/));
  cleanup.add(async () => {
    for (const pid of await workerPids(host)) seen.add(pid);
    await stopProcess(host);
  });
  await host.waitForLine(/pool host ready/);
  const w3wpPids = async () => {
    const pids = await workerPids(host);
    for (const pid of pids) seen.add(pid);
    return pids;
  };
  const { listener, was, redis } = front.roles;
  return {
    baseUrl: front.baseUrl,
    wasUrl: front.wasUrl,
    adminHeaders: front.adminHeaders,
    redis: front.redis,
    services: [front.was, front.listener, host],
    processes: [
      listener,
      { role: 'worker', pids: w3wpPids },
      { role: 'pool host', pids: () => [host.pid] },
      was,
      redis,
    ],
  };
}

/**
 * The pool host starts its first worker process on the first request (OnDemand), so the first answers may
 * be slow: poll until the URL answers 200, with a deadline, rather than sleeping.
 */
export async function waitUntilServed(url: string, timeoutMs = 30_000): Promise<void> {
  let last = 'no answer';
  await eventually(
    async () => {
      const response = await httpRequest(url, { timeoutMs: 5_000 });
      last = `${response.status} ${response.body.slice(0, 200)}`;
      return response.status === 200 ? true : undefined;
    },
    `a 200 from ${url}`,
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message} (last answer: ${last})`);
  });
}
