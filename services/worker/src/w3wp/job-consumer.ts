import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  QUEUE_KEY_PREFIX,
  encodeMessage,
  poolQueueName,
  queueDepthKey,
  replyChannel,
  type RequestJob,
  type ToListener,
  type WorkerIdentity,
} from '@w3pool/protocol';
import type { CacheDependencies } from './cache-dependencies.js';
import type { ControlChannel } from './control-channel.js';
import type { HostLink } from './host-link.js';
import type { ListenerPresence } from './listener-presence.js';
import { RequestBody } from './request-body.js';
import type { RequestPipeline } from './request-pipeline.js';
import { StreamingResponse } from './streaming-response.js';

/**
 * Pulls the pool's requests from its queue with bounded concurrency (w3wp taking requests from its
 * http.sys queue) and streams each answer to the channel of the listener that holds the client.
 */
export function createJobConsumer(options: {
  pool: string;
  concurrency: number;
  connection: Redis;
  publisher: Redis;
  control: ControlChannel;
  presence: ListenerPresence;
  cacheDependencies: CacheDependencies;
  host: HostLink;
  /** Whether the host may re-queue this pool's GET and HEAD requests if this process crashes. */
  retryGetOnCrash: () => boolean;
  pipeline: () => RequestPipeline;
  log: Logger;
}): Worker<RequestJob> {
  const { pool, log, publisher, control, presence, cacheDependencies, host } = options;
  const identity: WorkerIdentity = { pool, pid: process.pid, control: control.workerId };
  const depthKey = queueDepthKey(pool);

  const processor = async (job: Job<RequestJob>, _token?: string, signal?: AbortSignal): Promise<void> => {
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

    // The host keeps the list of requests in flight: `appcmd list requests`, and a 502 for each if this
    // process dies.
    const retryable = (request.method === 'GET' || request.method === 'HEAD') && options.retryGetOnCrash();
    host.begin({
      id: request.id,
      replyTo: request.replyTo,
      method: request.method,
      url: request.rawUrl,
      at: Date.now(),
      ...(retryable ? { job: request } : {}),
    });
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
    const channel = replyChannel(request.replyTo);
    const publish = (message: ToListener) => publisher.publish(channel, encodeMessage(message));
    const response = new StreamingResponse(
      request.id,
      identity,
      publish,
      () => {
        log.warn({ id: request.id, listener: request.replyTo }, 'the listener holding the client is gone');
        abort.abort(new Error('listener gone'));
      },
      (file) => cacheDependencies.track(file, { siteId: request.siteId, path: request.path }),
    );
    const body = new RequestBody(request, identity, publish);
    control.register(request.id, (message) => {
      if (message.t === 'ack') response.acknowledge(message.bytes);
      else if (message.t === 'body') body.receive(message);
      else {
        // Client_Reset after the request started: stop writing, stop reading, tell the handler.
        response.cancel();
        body.fail(new Error(`cancelled: ${message.reason}`));
        abort.abort(new Error(message.reason));
      }
    });
    try {
      await options.pipeline().execute(request, body, response, abort.signal);
    } finally {
      control.unregister(request.id);
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
