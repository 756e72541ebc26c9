import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QueueConsumer, backgroundQueueName } from '@w3pool/pool-queue';
import {
  CACHE_INVALIDATION_CHANNEL,
  cacheInvalidationCodec,
  encodeToListener,
  type DomainReport,
  type ToListener,
  type WorkerIdentity,
} from '@w3pool/protocol';
import { closeRedis, createRedis } from '@w3pool/runtime';
import { AppOffline } from '../app-offline.js';
import { CacheDependencies } from '../cache-dependencies.js';
import { ControlChannel } from '../control-channel.js';
import { extensionLogger } from '../extension-logger.js';
import { RequestPipeline } from '../request-pipeline.js';
import { OutageLog } from '../../redis-outage.js';
import { DomainBackgroundJobs } from './background-jobs.js';
import { backgroundTimings } from './background-worker.js';
import type { DomainData } from './domain-data.js';
import { executeRequest } from './request-execution.js';
import { RequestRunner } from './request-runner.js';

/** How often a domain tells its main thread what it runs. */
const STATS_MS = 1000;

export interface ApplicationDomainThread {
  /** Take requests from the application's queue. */
  start(): Promise<void>;
  /**
   * Stop taking (new requests stay queued for the other workers), finish the requests in flight on this
   * code, send the last replies and completions and unregister, terminate the extensions, close.
   */
  retire(): Promise<void>;
}

/**
 * Its queue consumer's requests were answered for it (its lease expired while Redis was out of reach): the
 * worker takes no more, so its host replaces it with one whose consumers are new.
 */
const SETTLED_WHILE_AWAY = 'its queue consumer was settled as dead while it was out of reach';

/**
 * One application domain's composition root, inside its thread: its own Redis connections, control
 * channel, pipeline (its extensions, loaded here) and queue consumer. The domain takes its application's
 * requests and publishes their replies itself: relaying them through the process's main thread would cost
 * about a quarter of the throughput (perf-baseline.md).
 */
export async function buildDomain(
  data: DomainData,
  log: Logger,
  report: (message: DomainReport) => void,
): Promise<ApplicationDomainThread> {
  const outage = new OutageLog(log);
  // Replies and completions wait out an outage ('worker'); the blocking wait fails fast and is retried.
  const redis = outage.watch(createRedis(data.redisUrl, 'worker'), 'worker');
  const blocking = outage.watch(createRedis(data.redisUrl, 'blocking'), 'blocking');
  const subscriber = outage.watch(createRedis(data.redisUrl, 'subscriber'), 'subscriber');
  const control = new ControlChannel(subscriber, data.consumerId, log);
  const identity: WorkerIdentity = { pool: data.pool, pid: process.pid, control: control.id };
  const cacheDependencies = new CacheDependencies(redis, log);
  const appOffline = new AppOffline((app) => {
    const notice = cacheInvalidationCodec.encode({ siteId: app.siteId, path: app.appPath, prefix: true });
    redis
      .publish(CACHE_INVALIDATION_CHANNEL, notice)
      .catch((error: unknown) => log.warn({ err: error }, 'cache invalidation not published'));
  });

  // Background jobs (docs/background-jobs.md): the application's BullMQ queue; ExtensionContext.backgroundJobs.
  const backgroundJobs = new DomainBackgroundJobs({
    redisUrl: data.redisUrl,
    queue: backgroundQueueName(data.pool, data.siteId, data.appPath),
    application: `${data.siteId}${data.appPath}`,
    timings: backgroundTimings(data.published.config, data.pool),
    log,
    outage,
  });

  await control.start();
  const pipeline = await RequestPipeline.build({
    config: data.published.config,
    pool: data.pool,
    log: extensionLogger(log),
    reportUnhealthy: (reason) => report({ type: 'unhealthy', reason }),
    appOffline,
    application: { siteId: data.siteId, appPath: data.appPath },
    backgroundJobs,
  });
  const consumer = new QueueConsumer<ToListener>({
    redis,
    blocking,
    pool: data.pool,
    siteId: data.siteId,
    appPath: data.appPath,
    consumerId: data.consumerId,
    capacity: data.capacity,
    encodeBatch: encodeToListener,
    onRequests: (requests) => runner.run(requests),
    onError: (error, what) => outage.report(error, what),
    onUnheard: (channel) => runner.unheard(channel),
    onSettled: () => report({ type: 'unhealthy', reason: SETTLED_WHILE_AWAY }),
  });
  const runner = new RequestRunner(
    consumer,
    (job) => executeRequest(job, { pipeline, queue: consumer, control, cacheDependencies, identity, log }),
    identity,
    log,
  );
  const reportStats = () => report({ type: 'stats', ...runner.stats() });
  const statsTimer = setInterval(reportStats, STATS_MS);
  statsTimer.unref();

  let started: Promise<void> | undefined;
  return {
    start: () => (started ??= consumer.start().then(() => backgroundJobs.startProcessing())),
    retire: async () => {
      // First of all, take no more background jobs; the active ones finish alongside the requests.
      const jobsDrained = backgroundJobs.stopProcessing();
      // A retire that arrives while the consumer registers must not leave it taking.
      await started?.catch(() => undefined);
      await consumer.stopTaking();
      await runner.drained();
      await consumer.close();
      await jobsDrained;
      clearInterval(statsTimer);
      reportStats();
      await pipeline.retire();
      await backgroundJobs.close();
      cacheDependencies.close();
      appOffline.close();
      await closeAll([subscriber, blocking, redis]);
    },
  };
}

async function closeAll(connections: Redis[]): Promise<void> {
  await Promise.all(connections.map((c) => closeRedis(c)));
}
