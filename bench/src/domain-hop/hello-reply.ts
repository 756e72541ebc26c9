import type { QueueConsumer, TakenRequest } from '@w3pool/pool-queue';
import { replyChannel, type ToListener, type WorkerIdentity } from '@w3pool/protocol';
import { HELLO_BODY } from '../payload.js';
import type { HelloAnswer } from './hop-messages.js';

/**
 * The handler both variants run, in the domain thread: what the hello extension answers (200, text/plain,
 * `hello world`), as one final head message for the listener that holds the client.
 */
export function helloAnswer(request: TakenRequest, identity: WorkerIdentity): HelloAnswer {
  return {
    id: request.id,
    channel: replyChannel(request.job.replyTo),
    message: {
      t: 'head',
      id: request.job.id,
      status: 200,
      substatus: 0,
      headers: { 'content-type': 'text/plain' },
      body: HELLO_BODY,
      final: true,
      worker: identity,
    },
  };
}

/**
 * Hand an answer to the consumer and complete its request at once, as the product's RequestRunner does:
 * the reply's PUBLISH and the release of the in-flight record then leave in the same exchange, the PUBLISH
 * first.
 */
export function sendAnswer(consumer: QueueConsumer<ToListener>, answer: HelloAnswer): void {
  consumer
    .publish(answer.channel, answer.message)
    .catch((error: unknown) => process.stderr.write(`bench worker: reply not published: ${String(error)}\n`));
  consumer.complete(answer.id);
}
