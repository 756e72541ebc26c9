import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { followConfig, type PublishedConfig } from '@w3pool/config';
import { CACHE_INVALIDATION_CHANNEL, W3poolError, type CacheInvalidation } from '@w3pool/protocol';
import { AppOffline } from './app-offline.js';
import { CacheDependencies } from './cache-dependencies.js';
import { ControlChannel } from './control-channel.js';
import { extensionLogger } from './extension-logger.js';
import type { HostLink } from './host-link.js';
import { ListenerPresence } from './listener-presence.js';
import { createJobConsumer } from './job-consumer.js';
import { RequestPipeline } from './request-pipeline.js';

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
 * The w3wp composition root: waits for WAS's configuration, loads the pool's extensions into a pipeline,
 * and builds the queue consumer. Nothing is consumed until start().
 */
export async function buildWorker(options: WorkerOptions): Promise<WorkerService> {
  const { pool, log, host } = options;
  const extLog = extensionLogger(log);
  // Taking an application offline must also empty the listeners' caches of it; the publisher is created
  // below, before any request can arrive.
  const invalidation: { publish?: (notice: CacheInvalidation) => void } = {};
  const appOffline = new AppOffline((app) =>
    invalidation.publish?.({ siteId: app.siteId, path: app.appPath, prefix: true }),
  );
  const reportUnhealthy = (reason: string) => {
    log.warn({ reason }, 'an extension reported this worker unhealthy');
    host.unhealthy(reason);
  };
  let pipeline: RequestPipeline | undefined;
  // Filled once the first configuration is in; a later version adjusts the running consumer.
  const live: { consumer?: ReturnType<typeof createJobConsumer> } = {};

  const poolOf = (published: PublishedConfig) =>
    published.config.applicationPools.find((p) => p.name === pool);

  const follower = followConfig(options.redisUrl, {
    onChange: (next, previous) => {
      if (!previous || !live.consumer) return; // the first version is built below
      if (!poolOf(next)) {
        log.error(
          { version: next.version },
          'the new configuration no longer defines this pool; keeping the previous one',
        );
        return;
      }
      void RequestPipeline.build(next.config, pool, extLog, reportUnhealthy, appOffline).then((fresh) => {
        const old = pipeline;
        pipeline = fresh;
        if (live.consumer)
          live.consumer.concurrency = poolOf(next)?.workerConcurrency ?? live.consumer.concurrency;
        log.info({ version: next.version }, 'configuration applied');
        return old?.retire();
      });
    },
    onError: (error) => log.error({ err: error }, 'configuration could not be read'),
  });

  const first = await follower.first;
  const poolConfig = poolOf(first);
  if (!poolConfig) {
    await follower.close();
    throw new W3poolError(
      'WORKER_POOL_NOT_CONFIGURED',
      `pool "${pool}" is not in /applicationPools (configuration version ${first.version})`,
    );
  }
  pipeline = await RequestPipeline.build(first.config, pool, extLog, reportUnhealthy, appOffline);

  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const publisher = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  invalidation.publish = (notice) => {
    publisher
      .publish(CACHE_INVALIDATION_CHANNEL, JSON.stringify(notice))
      .catch((error: unknown) => log.warn({ err: error }, 'cache invalidation not published'));
  };
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const control = new ControlChannel(subscriber, workerId, log);
  await control.start();
  const cacheDependencies = new CacheDependencies(publisher, log);
  const current = () => pipeline as RequestPipeline;
  const queueConsumer = createJobConsumer({
    pool,
    concurrency: poolConfig.workerConcurrency,
    connection,
    publisher,
    control,
    presence: new ListenerPresence(connection),
    host,
    retryGetOnCrash: () => poolOf(follower.current() ?? first)?.retryGetOnCrash ?? false,
    cacheDependencies,
    pipeline: current,
    log,
  });
  live.consumer = queueConsumer;

  return {
    start: async () => {
      // Ready is reported before the first job is taken: a handler that blocks the event loop on its first
      // request must already be under the host's pings.
      await queueConsumer.waitUntilReady();
      log.info({ concurrency: poolConfig.workerConcurrency, configVersion: first.version }, 'worker ready');
      host.ready();
      void queueConsumer.run().catch((error: unknown) => log.error({ err: error }, 'queue consumer stopped'));
    },
    close: async () => {
      // Finish the requests in flight (BullMQ waits for active jobs), then terminate the extensions.
      await queueConsumer.close();
      await current().retire();
      await follower.close();
      cacheDependencies.close();
      appOffline.close();
      subscriber.disconnect();
      await Promise.all([connection.quit(), publisher.quit()]).catch(() => undefined);
    },
  };
}
