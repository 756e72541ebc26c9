import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { followConfig, type PublishedConfig } from '@w3pool/config';
import {
  POOL_STATE_KEY,
  STATE_CHANNEL,
  WAS_INBOX_CHANNEL,
  W3poolError,
  hostCommandChannel,
  parseRuntimeState,
  queueWaitListKey,
  type HostCommand,
  type PoolFailureNotice,
} from '@w3pool/protocol';
import { AbandonedRequests } from './abandoned-requests.js';
import { DemandWatcher } from './demand-watcher.js';
import { EventLog } from './event-log.js';
import { PoolSupervisor } from './pool-supervisor.js';
import { ProcessRecords } from './process-records.js';
import { RapidFailWindow } from './rapid-fail.js';

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
 * configuration and runtime state, and its supervisor runs the pool's worker processes.
 */
export async function buildPoolHost(options: PoolHostOptions): Promise<PoolHost> {
  const { pool, log } = options;
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const events = new EventLog(redis, pool, log);
  const abandoned = new AbandonedRequests(redis, pool, log);
  const supervisor = new PoolSupervisor({
    poolName: pool,
    entry: W3WP_ENTRY,
    env: { ...process.env, W3POOL_EXIT_WITH_PARENT: '' },
    events,
    failures: new RapidFailWindow(300_000, 5),
    abandoned,
    records: new ProcessRecords(redis, pool),
    waiting: () => redis.llen(queueWaitListKey(pool)),
    onRapidFail: (failures) => {
      const notice: PoolFailureNotice = { kind: 'rapid-fail', pool, failures };
      redis
        .publish(WAS_INBOX_CHANNEL, JSON.stringify(notice))
        .catch((error: unknown) => log.error({ err: error }, 'rapid-fail notice not sent to WAS'));
    },
    log,
  });

  const poolOf = (published: PublishedConfig) =>
    published.config.applicationPools.find((p) => p.name === pool);
  const follower = followConfig(options.redisUrl, {
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
    redis.disconnect();
    subscriber.disconnect();
    throw new W3poolError(
      'WORKER_POOL_NOT_CONFIGURED',
      `pool "${pool}" is not in /applicationPools (configuration version ${first.version})`,
    );
  }
  supervisor.configure(settings);

  // Runtime state: stopped by an administrator or by rapid-fail protection, started again through WAS.
  const readState = async () => {
    const json = await redis.hget(POOL_STATE_KEY, pool);
    const state = json ? parseRuntimeState(json) : undefined;
    const config = poolOf(follower.current() ?? first);
    const stopped = state
      ? state.state === 'Stopped'
        ? (state.reason ?? 'Disabled')
        : undefined
      : config?.autoStart === false
        ? 'Disabled'
        : undefined;
    supervisor.setStopped(stopped);
  };
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === STATE_CHANNEL) {
      readState().catch((error: unknown) => log.error({ err: error }, 'pool state not read'));
    } else if (channel === hostCommandChannel(pool)) {
      const command = JSON.parse(message) as HostCommand;
      if (command.kind === 'recycle') supervisor.recycleAll('OnDemand');
    }
  });
  await subscriber.subscribe(STATE_CHANNEL, hostCommandChannel(pool));
  await readState();

  const demand = new DemandWatcher(options.redisUrl, pool, () => supervisor.demand(), log);
  const watchDemand = () =>
    demand
      .watch(supervisor.processes.length === 0)
      .catch((error: unknown) => log.warn({ err: error }, 'demand watch not switched'));
  supervisor.onProcessesChanged(() => void watchDemand());
  await watchDemand();
  await supervisor.demandIfWaiting();

  const tick = setInterval(() => {
    supervisor.tick().catch((error: unknown) => log.error({ err: error }, 'supervisor tick failed'));
    if (options.heartbeatFile && redis.status === 'ready') {
      writeFile(options.heartbeatFile, String(Date.now())).catch((error: unknown) =>
        log.warn({ err: error }, 'heartbeat file not written'),
      );
    }
  }, TICK_MS);

  log.info(
    { startMode: settings.startMode, maxProcesses: settings.processModel.maxProcesses },
    'pool host ready',
  );
  return {
    supervisor,
    close: async () => {
      clearInterval(tick);
      await demand.close();
      await supervisor.close();
      await follower.close();
      await abandoned.close();
      subscriber.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
