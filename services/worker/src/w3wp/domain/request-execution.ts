import type { Logger } from 'pino';
import {
  replyChannel,
  type RequestJob,
  type ToListener,
  type ToWorker,
  type WorkerIdentity,
} from '@w3pool/protocol';
import type { CacheDependencies } from '../cache-dependencies.js';
import type { ControlChannel } from '../control-channel.js';
import { RequestBody } from '../request-body.js';
import type { RequestPipeline } from '../request-pipeline.js';
import { StreamingResponse, type ResponseSink } from '../streaming-response.js';
import type { RequestQueue } from './request-runner.js';

export interface ExecutionDeps {
  pipeline: RequestPipeline;
  queue: RequestQueue;
  control: ControlChannel;
  cacheDependencies: CacheDependencies;
  identity: WorkerIdentity;
  log: Logger;
}

const channels = new Map<string, string>();

/** A listener's reply channel, made once per listener rather than once per request. */
function channelOf(listenerId: string): string {
  let channel = channels.get(listenerId);
  if (channel === undefined) {
    if (channels.size > 1000) channels.clear();
    channel = replyChannel(listenerId);
    channels.set(listenerId, channel);
  }
  return channel;
}

/**
 * One request inside its application's domain: the body read on demand from the listener, the response
 * streamed to it through the queue consumer (which batches each turn's replies per listener), flow control
 * and cancellation over this domain's control channel. One object per request, whose methods the response,
 * the body and the control channel call, rather than a closure for each of them.
 */
class RequestExecution implements ResponseSink {
  readonly abort = new AbortController();
  readonly response: StreamingResponse;
  readonly body: RequestBody;
  private readonly channel: string;

  constructor(
    private readonly job: RequestJob,
    private readonly deps: ExecutionDeps,
  ) {
    this.channel = channelOf(job.replyTo);
    this.response = new StreamingResponse(job.id, deps.identity, this);
    this.body = new RequestBody(job, deps.identity, this);
  }

  publish(message: ToListener): Promise<number> {
    return this.deps.queue.publish(this.channel, message);
  }

  listenerGone(error?: unknown): void {
    const { job, deps } = this;
    // Several replies may find nobody (those sent together before the first result came back): once.
    if (this.abort.signal.aborted) return;
    if (error === undefined) {
      deps.log.warn({ id: job.id, listener: job.replyTo }, 'the listener holding the client is gone');
      deps.queue.countAbandoned('aborted');
    } else deps.log.error({ err: error, id: job.id }, 'the end of the response could not be sent');
    this.abort.abort(new Error('listener gone'));
  }

  trackFile(file: string): boolean {
    return this.deps.cacheDependencies.track(file, { siteId: this.job.siteId, path: this.job.path });
  }

  /** A message from the listener about this request. */
  control(message: ToWorker): void {
    if (message.t === 'ack') this.response.acknowledge(message.bytes);
    else if (message.t === 'body') this.body.receive(message);
    else {
      // Client_Reset after the request started: stop writing, stop reading, tell the handler.
      this.response.cancel();
      this.body.fail(new Error(`cancelled: ${message.reason}`));
      this.abort.abort(new Error(message.reason));
    }
  }
}

export async function executeRequest(request: RequestJob, deps: ExecutionDeps): Promise<void> {
  const execution = new RequestExecution(request, deps);
  deps.control.register(request.id, execution);
  try {
    await deps.pipeline.execute(request, execution.body, execution.response, execution.abort.signal);
  } finally {
    deps.control.unregister(request.id);
  }
}
