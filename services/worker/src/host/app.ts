import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { followConfig, type ApplicationPool, type PublishedConfig } from '@w3pool/config';
import { PoolQueue, watchDemand } from '@w3pool/pool-queue';
import {
  POOL_STATE_KEY,
  STATE_CHANNEL,
  WAS_INBOX_CHANNEL,
  W3poolError,
  hostCommandChannel,
  hostCommandCodec,
  parseRuntimeState,
  poolFailureNoticeCodec,
  processMetricsKey,
} from '@w3pool/protocol';
import { closeRedis, createRedis, ProcessMetricsReport, redisReady } from '@w3pool/runtime';
import { OutageLog } from '../redis-outage.js';
import { AbandonedRequests } from './abandoned-requests.js';
import { EventLog } from './event-log.js';
import { PoolSupervisor } from './pool-supervisor.js';
import { ProcessRecords } from './process-records.js';
import { RapidFailWindow } from './rapid-fail.js';
import { workerIdFactory } from '../worker-id.js';

export interface PoolHostOptions {
  redisUrl: string;
  pool: string;
  log: Logger;
  /**
   * A file whose mtime the host refreshes every 5 s while it is connected to Redis and its pool is not
   * stopped: the container healthcheck reads it (the host has no port to probe).
   */
  heartbeatFile?: string;
}

export interface PoolHost {
  readonly supervisor: PoolSupervisor;
  close(): Promise<void>;
}

const W3WP_ENTRY = fileURLToPath(new URL('../w3wp/main.js', import.meta.url));
const TICK_MS = 1000;

/**
 * The pool host's composition root: one per application pool per container. It follows the pool's
 * configuration and runtime state, and its supervisor runs the pool's worker processes. The host never
 * touches a request on its way: it only settles the ones a dead worker held, and wakes on demand.
 */
export async function buildPoolHost(options: PoolHostOptions): Promise<PoolHost> {
  const { pool, log } = options;
  const outage = new OutageLog(log);
  // Admin calls fail at once while Redis is away (the tick retries); subscriptions come back by themselves.
  const redis = outage.watch(createRedis(options.redisUrl, 'control'), 'control');
  const subscriber = outage.watch(createRedis(options.redisUrl, 'subscriber'), 'subscriber');
  await redisReady(redis);
  // This process's CPU, memory, event-loop lag and GC, for WAS's GET /metrics (docs/metrics.md).
  const instance = `${pool}@${hostname()}-${process.pid}`;
  const processMetrics = new ProcessMetricsReport(
    redis,
    processMetricsKey('pool-host', instance),
    { service: 'pool-host', instance },
    (error) => log.warn({ err: error }, 'process metrics not reported'),
  );
  processMetrics.start();
  const queue = new PoolQueue(redis, pool);
  const supervisor = new PoolSupervisor({
    poolName: pool,
    entry: W3WP_ENTRY,
    env: { ...process.env, W3POOL_EXIT_WITH_PARENT: '' },
    events: new EventLog(redis, pool, log),
    failures: new RapidFailWindow(300_000, 5),
    abandoned: new AbandonedRequests(queue, redis, log),
    records: new ProcessRecords(redis, pool),
    newWorkerId: workerIdFactory(),
    waiting: () => queue.depth(),
    onRapidFail: (failures) => {
      redis
        .publish(WAS_INBOX_CHANNEL, poolFailureNoticeCodec.encode({ kind: 'rapid-fail', pool, failures }))
        .catch((error: unknown) => log.error({ err: error }, 'rapid-fail notice not sent to WAS'));
    },
    log,
  });

  const follower = await followPool(options.redisUrl, pool, supervisor, log);
  const closeSignals = await followSignals(redis, subscriber, pool, supervisor, follower, log);
  await supervisor.demandIfWaiting();

  const tick = setInterval(() => {
    supervisor.tick().catch((error: unknown) => log.error({ err: error }, 'supervisor tick failed'));
    if (options.heartbeatFile && redis.status === 'ready') {
      writeFile(options.heartbeatFile, String(Date.now())).catch((error: unknown) =>
        log.warn({ err: error }, 'heartbeat file not written'),
      );
    }
  }, TICK_MS);

  const settings = follower.settings();
  log.info(
    { startMode: settings.startMode, maxProcesses: settings.processModel.maxProcesses },
    'pool host ready',
  );
  return {
    supervisor,
    close: async () => {
      clearInterval(tick);
      await closeSignals();
      await supervisor.close();
      await follower.close();
      await processMetrics.stop();
      subscriber.disconnect();
      await closeRedis(redis);
    },
  };
}

interface PoolFollower {
  settings(): ApplicationPool;
  close(): Promise<void>;
}

/** The pool's settings from WAS's published configuration: the first version configures the supervisor. */
async function followPool(
  redisUrl: string,
  pool: string,
  supervisor: PoolSupervisor,
  log: Logger,
): Promise<PoolFollower> {
  const poolOf = (published: PublishedConfig) =>
    published.config.applicationPools.find((p) => p.name === pool);
  const follower = followConfig(redisUrl, {
    onChange: (next, previous) => {
      if (!previous) return;
      const settings = poolOf(next);
      if (settings) supervisor.configure(settings);
      else
        log.error({ version: next.version }, 'the new configuration no longer defines this pool; keeping it');
    },
    onError: (error) => log.error({ err: error }, 'configuration could not be read'),
  });
  const first = await follower.first;
  const settings = poolOf(first);
  if (!settings) {
    await follower.close();
    throw new W3poolError(
      'WORKER_POOL_NOT_CONFIGURED',
      `pool "${pool}" is not in /applicationPools (configuration version ${first.version})`,
    );
  }
  supervisor.configure(settings);
  return {
    settings: () => poolOf(follower.current() ?? first) ?? settings,
    close: () => follower.close(),
  };
}

/**
 * What the host hears from Redis: the pool's runtime state (stopped by an administrator or by rapid-fail
 * protection, started again through WAS), recycle commands, and demand (startMode OnDemand: a request was
 * queued while no worker takes from the queue). Returns a function that stops listening.
 */
async function followSignals(
  redis: Redis,
  subscriber: Redis,
  pool: string,
  supervisor: PoolSupervisor,
  follower: PoolFollower,
  log: Logger,
): Promise<() => Promise<void>> {
  const readState = async () => {
    const json = await redis.hget(POOL_STATE_KEY, pool);
    const state = json ? parseRuntimeState(json) : undefined;
    const stopped = state
      ? state.state === 'Stopped'
        ? (state.reason ?? 'Disabled')
        : undefined
      : follower.settings().autoStart === false
        ? 'Disabled'
        : undefined;
    supervisor.setStopped(stopped);
  };
  const refreshState = () => {
    readState().catch((error: unknown) => log.error({ err: error }, 'pool state not read'));
  };
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === STATE_CHANNEL) refreshState();
    else if (channel === hostCommandChannel(pool)) {
      try {
        const command = hostCommandCodec.decode(message);
        if (command.kind === 'recycle') supervisor.recycleAll(command.reason);
      } catch (error) {
        log.warn({ err: error }, 'ignored a malformed host command');
      }
    }
  });
  await subscriber.subscribe(STATE_CHANNEL, hostCommandChannel(pool));
  // A state change published while Redis was away would be missed: read it again once both connections are
  // back (whichever is ready last succeeds; the control connection refuses calls until it is).
  subscriber.on('ready', refreshState);
  redis.on('ready', refreshState);
  await readState();
  // The queue publishes demand only while nobody consumes it, so listening always costs nothing under load.
  return watchDemand(subscriber, pool, () => supervisor.demand());
}
