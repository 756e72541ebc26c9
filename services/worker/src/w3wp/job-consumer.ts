import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QUEUE_KEY_PREFIX, poolQueueName, queueDepthKey, type RequestJob } from '@w3pool/protocol';
import type { ApplicationDomains } from './domain/application-domains.js';
import type { HostLink } from './host-link.js';
import type { ListenerPresence } from './listener-presence.js';

/**
 * Pulls the pool's requests from its queue with bounded concurrency (w3wp taking requests from its
 * http.sys queue) and hands each to its application's domain, which streams the answer to the listener.
 */
export function createJobConsumer(options: {
  pool: string;
  concurrency: number;
  connection: Redis;
  presence: ListenerPresence;
  host: HostLink;
  /** The pool's applications, each in its own domain. */
  domains: ApplicationDomains;
  log: Logger;
}): Worker<RequestJob> {
  const { pool, log, presence, host } = options;
  const depthKey = queueDepthKey(pool);

  const processor = async (job: Job<RequestJob>): Promise<void> => {
    const request = job.data;
    // The request has left the queue: admission may let another one in.
    options.connection
      .decr(depthKey)
      .catch((error: unknown) => log.warn({ err: error }, 'queue depth not updated'));
    if (Date.now() > request.deadline) {
      // The listener has already answered 503 Timer_AppPool and tried to remove the job; never execute it.
      log.warn({ id: request.id, url: request.rawUrl }, 'skipped a request past its queue deadline');
      return;
    }
    if (!(await presence.isAlive(request.replyTo))) {
      log.warn({ id: request.id, listener: request.replyTo }, 'skipped a request whose listener is gone');
      return;
    }

    // What runs here, for `appcmd list requests` (reported to the host once a second).
    host.begin({ id: request.id, method: request.method, url: request.rawUrl, at: Date.now() });
    try {
      await options.domains.execute(request);
    } finally {
      host.end(request.id);
    }
  };

  const worker = new Worker<RequestJob>(poolQueueName(pool), processor, {
    connection: options.connection,
    prefix: QUEUE_KEY_PREFIX,
    concurrency: options.concurrency,
    autorun: false,
    // Answers go out by pub/sub; nothing is read back from finished jobs, so none are kept.
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
    // A request whose worker died is answered 502 by the pool host (or re-queued once, for GET/HEAD when
    // the pool allows it); BullMQ must never run it again on its own after a stall.
    maxStalledCount: 0,
  });
  worker.on('error', (error) => log.error({ err: error }, 'queue consumer error'));
  return worker;
}
