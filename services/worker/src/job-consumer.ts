import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  QUEUE_KEY_PREFIX,
  encodeReply,
  poolQueueName,
  replyChannel,
  type RequestJob,
} from '@w3pool/protocol';
import type { RequestPipeline } from './request-pipeline.js';

/**
 * Pulls the pool's requests from its queue with bounded concurrency (w3wp taking requests from its
 * http.sys queue) and publishes each answer on the channel of the listener that holds the client.
 */
export function createJobConsumer(options: {
  pool: string;
  concurrency: number;
  connection: Redis;
  publisher: Redis;
  pipeline: () => RequestPipeline;
  log: Logger;
}): Worker<RequestJob> {
  const { pool, log, publisher } = options;
  const identity = { pool, pid: process.pid };

  const processor = async (job: Job<RequestJob>, _token?: string, signal?: AbortSignal): Promise<void> => {
    const request = job.data;
    if (Date.now() > request.deadline) {
      // The listener has already answered 503 Timer_AppPool and tried to remove the job; never execute it.
      log.warn({ id: request.id, url: request.rawUrl }, 'skipped a request past its queue deadline');
      return;
    }
    const reply = await options.pipeline().execute(request, signal ?? new AbortController().signal);
    const receivers = await publisher.publish(
      replyChannel(request.replyTo),
      encodeReply({ ...reply, worker: identity }),
    );
    if (receivers === 0)
      log.warn({ id: request.id, listener: request.replyTo }, 'no listener took the reply (it went away)');
  };

  const worker = new Worker<RequestJob>(poolQueueName(pool), processor, {
    connection: options.connection,
    prefix: QUEUE_KEY_PREFIX,
    concurrency: options.concurrency,
    autorun: false,
    // Answers go out by pub/sub; nothing is read back from finished jobs, so none are kept.
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
  });
  worker.on('error', (error) => log.error({ err: error }, 'queue consumer error'));
  return worker;
}
