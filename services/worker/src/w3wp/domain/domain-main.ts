import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { CACHE_INVALIDATION_CHANNEL } from '@w3pool/protocol';
import { AppOffline } from '../app-offline.js';
import { CacheDependencies } from '../cache-dependencies.js';
import { ControlChannel } from '../control-channel.js';
import { extensionLogger } from '../extension-logger.js';
import { RequestPipeline } from '../request-pipeline.js';
import type { DomainData, DomainReport, DomainCommand } from './domain-messages.js';
import { executeRequest } from './request-execution.js';

// One application's domain: a worker thread with its own module graph (so its extensions load afresh when
// it restarts) and its own Redis connections. The composition root of the thread.
const data = workerData as DomainData;
const port = parentPort!;
const send = (message: DomainReport) => port.postMessage(message);
const log = pino({
  base: { service: 'w3wp', pool: data.pool, pid: process.pid, app: data.appPath, threadId },
});

const publisher = new Redis(data.redisUrl, { maxRetriesPerRequest: null });
const subscriber = new Redis(data.redisUrl, { maxRetriesPerRequest: null });
const control = new ControlChannel(
  subscriber,
  `${hostname()}-${process.pid}-${threadId}-${randomBytes(3).toString('hex')}`,
  log,
);
const cacheDependencies = new CacheDependencies(publisher, log);
const appOffline = new AppOffline((app) => {
  publisher
    .publish(
      CACHE_INVALIDATION_CHANNEL,
      JSON.stringify({ siteId: app.siteId, path: app.appPath, prefix: true }),
    )
    .catch((error: unknown) => log.warn({ err: error }, 'cache invalidation not published'));
});
const identity = { pool: data.pool, pid: process.pid, control: control.workerId };

await control.start();
const pipeline = await RequestPipeline.build(
  data.published.config,
  data.pool,
  extensionLogger(log),
  (reason) => send({ type: 'unhealthy', reason }),
  appOffline,
  { siteId: data.siteId, appPath: data.appPath },
);

let retiring = false;
port.on('message', (message: DomainCommand) => {
  if (message.type === 'ping') {
    send({ type: 'pong', seq: message.seq });
  } else if (message.type === 'execute') {
    executeRequest(message.job, { pipeline, publisher, control, cacheDependencies, identity, log })
      .catch((error: unknown) => log.error({ err: error, id: message.job.id }, 'request execution failed'))
      .finally(() => send({ type: 'done', id: message.job.id }));
  } else if (message.type === 'retire' && !retiring) {
    retiring = true;
    // Requests in flight finish here, on the old code; then the extensions terminate and the thread ends.
    void pipeline
      .retire()
      .then(async () => {
        cacheDependencies.close();
        appOffline.close();
        subscriber.disconnect();
        await publisher.quit().catch(() => publisher.disconnect());
      })
      .finally(() => process.exit(0));
  }
});
send({ type: 'ready' });
