import type { Logger } from 'pino';
import { followConfig, type PublishedConfig } from '@w3pool/config';
import { PoolQueue } from '@w3pool/pool-queue';
import { W3poolError } from '@w3pool/protocol';
import { closeRedis, createRedis } from '@w3pool/runtime';
import { OutageLog } from '../redis-outage.js';
import { ApplicationDomains } from './domain/application-domains.js';
import { FailedDomainRequests } from './domain/failed-domain-requests.js';
import type { HostLink } from './host-link.js';

export interface WorkerOptions {
  redisUrl: string;
  /** The application pool this worker process serves. */
  pool: string;
  /** The id its pool host gave it (W3POOL_WORKER_ID); its domains' queue consumers are `<workerId>.<n>`. */
  workerId: string;
  /** The IPC link to the pool host that started this process. */
  host: HostLink;
  log: Logger;
}

export interface WorkerService {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The w3wp composition root: waits for WAS's configuration and starts a domain for each of the pool's
 * applications; each domain loads its own extensions and takes its application's requests from the queue
 * itself. The main thread never touches a request: it relays the host's pings, sums the domains' reports,
 * and settles a domain that dies.
 */
export async function buildWorker(options: WorkerOptions): Promise<WorkerService> {
  const { pool, log, host } = options;
  const outage = new OutageLog(log);
  // Only for a domain that dies: settling its consumer (an admin call) and answering what it held.
  const control = outage.watch(createRedis(options.redisUrl, 'control'), 'control');
  const publisher = outage.watch(createRedis(options.redisUrl, 'worker'), 'worker');
  const domains = new ApplicationDomains({
    redisUrl: options.redisUrl,
    pool,
    workerId: options.workerId,
    failed: new FailedDomainRequests(new PoolQueue(control, pool), publisher, log),
    onUnhealthy: (reason) => {
      log.warn({ reason }, 'an extension reported this worker unhealthy');
      host.unhealthy(reason);
    },
    log,
  });
  host.answerPingsAfter(() => domains.ping());
  host.reportFrom(() => domains.stats());

  const poolOf = (published: PublishedConfig) =>
    published.config.applicationPools.find((p) => p.name === pool);
  const follower = followConfig(options.redisUrl, {
    onChange: (next, previous) => {
      if (!previous) return; // the first version is applied below
      const settings = poolOf(next);
      if (!settings) {
        log.error(
          { version: next.version },
          'the new configuration no longer defines this pool; keeping the previous one',
        );
        return;
      }
      domains.configure(next, settings.workerConcurrency);
      log.info({ version: next.version }, 'configuration applied');
    },
    onError: (error) => log.error({ err: error }, 'configuration could not be read'),
  });
  const closeConnections = () => Promise.all([control, publisher].map((c) => closeRedis(c)));

  const first = await follower.first;
  const poolConfig = poolOf(first);
  if (!poolConfig) {
    await follower.close();
    await closeConnections();
    throw new W3poolError(
      'WORKER_POOL_NOT_CONFIGURED',
      `pool "${pool}" is not in /applicationPools (configuration version ${first.version})`,
    );
  }
  domains.configure(first, poolConfig.workerConcurrency);

  return {
    start: async () => {
      // Ready once every application has loaded its extensions and takes requests.
      if (!(await domains.ready())) throw new Error('an application domain failed to start');
      log.info(
        {
          workerId: options.workerId,
          concurrency: poolConfig.workerConcurrency,
          configVersion: first.version,
        },
        'worker ready',
      );
      host.ready(options.workerId);
    },
    close: async () => {
      // Each domain stops taking, finishes its requests in flight, sends its last replies and
      // completions, terminates its extensions and ends.
      await domains.close();
      host.report();
      await follower.close();
      await closeConnections();
    },
  };
}
