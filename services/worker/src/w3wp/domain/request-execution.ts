import type { Logger } from 'pino';
import { replyChannel, type RequestJob, type ToListener, type WorkerIdentity } from '@w3pool/protocol';
import type { CacheDependencies } from '../cache-dependencies.js';
import type { ControlChannel } from '../control-channel.js';
import { RequestBody } from '../request-body.js';
import type { RequestPipeline } from '../request-pipeline.js';
import { StreamingResponse } from '../streaming-response.js';
import type { RequestQueue } from './request-runner.js';

/**
 * One request inside its application's domain: the body read on demand from the listener, the response
 * streamed to it through the queue consumer (which batches each turn's replies per listener), flow control
 * and cancellation over this domain's control channel.
 */
export async function executeRequest(
  request: RequestJob,
  deps: {
    pipeline: RequestPipeline;
    queue: RequestQueue;
    control: ControlChannel;
    cacheDependencies: CacheDependencies;
    identity: WorkerIdentity;
    log: Logger;
  },
): Promise<void> {
  const { queue, control, cacheDependencies, identity, log } = deps;
  const abort = new AbortController();
  const channel = replyChannel(request.replyTo);
  const publish = (message: ToListener) => queue.publish(channel, message);
  const response = new StreamingResponse(
    request.id,
    identity,
    publish,
    (error) => {
      if (error === undefined)
        log.warn({ id: request.id, listener: request.replyTo }, 'the listener holding the client is gone');
      else log.error({ err: error, id: request.id }, 'the end of the response could not be sent');
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
    await deps.pipeline.execute(request, body, response, abort.signal);
  } finally {
    control.unregister(request.id);
  }
}
