import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { followConfig, type PublishedConfig } from '@w3pool/config';
import { W3poolError } from '@w3pool/protocol';
import { ApplicationDomains } from './domain/application-domains.js';
import type { HostLink } from './host-link.js';
import { createJobConsumer } from './job-consumer.js';
import { ListenerPresence } from './listener-presence.js';

export interface WorkerOptions {
  redisUrl: string;
  /** The application pool this worker process serves. */
  pool: string;
  /** The IPC link to the pool host that started this process. */
  host: HostLink;
  log: Logger;
}

export interface WorkerService {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The w3wp composition root: waits for WAS's configuration, starts a domain for each of the pool's
 * applications (each loads its own extensions), and builds the queue consumer that hands requests to them.
 * Nothing is consumed until start().
 */
export async function buildWorker(options: WorkerOptions): Promise<WorkerService> {
  const { pool, log, host } = options;
  const poolOf = (published: PublishedConfig) =>
    published.config.applicationPools.find((p) => p.name === pool);
  const publisher = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const domains = new ApplicationDomains(
    options.redisUrl,
    pool,
    publisher,
    (reason) => {
      log.warn({ reason }, 'an extension reported this worker unhealthy');
      host.unhealthy(reason);
    },
    log,
  );
  host.answerPingsAfter(() => domains.ping());
  // Filled once the first configuration is in; a later version adjusts the running consumer.
  const live: { consumer?: ReturnType<typeof createJobConsumer> } = {};

  const follower = followConfig(options.redisUrl, {
    onChange: (next, previous) => {
      if (!previous || !live.consumer) return; // the first version is applied below
      const settings = poolOf(next);
      if (!settings) {
        log.error(
          { version: next.version },
          'the new configuration no longer defines this pool; keeping the previous one',
        );
        return;
      }
      domains.configure(next);
      live.consumer.concurrency = settings.workerConcurrency;
      log.info({ version: next.version }, 'configuration applied');
    },
    onError: (error) => log.error({ err: error }, 'configuration could not be read'),
  });

  const first = await follower.first;
  const poolConfig = poolOf(first);
  if (!poolConfig) {
    await follower.close();
    publisher.disconnect();
    throw new W3poolError(
      'WORKER_POOL_NOT_CONFIGURED',
      `pool "${pool}" is not in /applicationPools (configuration version ${first.version})`,
    );
  }
  domains.configure(first);

  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queueConsumer = createJobConsumer({
    pool,
    concurrency: poolConfig.workerConcurrency,
    connection,
    presence: new ListenerPresence(connection),
    host,
    domains,
    log,
  });
  live.consumer = queueConsumer;

  return {
    start: async () => {
      // Ready is reported once every application has loaded and before the first job is taken: a handler
      // that blocks the event loop on its first request must already be under the host's pings.
      await queueConsumer.waitUntilReady();
      if (!(await domains.ready())) throw new Error('an application domain failed to start');
      log.info({ concurrency: poolConfig.workerConcurrency, configVersion: first.version }, 'worker ready');
      host.ready(queueConsumer.id);
      void queueConsumer.run().catch((error: unknown) => log.error({ err: error }, 'queue consumer stopped'));
    },
    close: async () => {
      // Finish the requests in flight (BullMQ waits for active jobs), then end the domains, whose
      // extensions terminate.
      await queueConsumer.close();
      await domains.close();
      await follower.close();
      await Promise.all([connection.quit(), publisher.quit()]).catch(() => undefined);
    },
  };
}
