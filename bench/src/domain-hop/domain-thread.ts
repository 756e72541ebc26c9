import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WorkerIdentity } from '@w3pool/protocol';
import { benchConsumer } from './bench-consumer.js';
import { helloAnswer, sendAnswer } from './hello-reply.js';
import type { FromDomain, HelloAnswer, HopSettings, ToDomain } from './hop-messages.js';

// The bench worker's application domain: a worker_threads thread running the hello handler. In variant A
// it owns a queue consumer and takes, answers and completes by itself; in variant B it only runs the
// handler on the batches its main thread posts, and posts back one batch of answers per turn.
if (!parentPort) throw new Error('domain-thread.ts runs in a worker thread (worker-main.ts starts it)');
const port = parentPort;
const settings = workerData as HopSettings;
const identity: WorkerIdentity = { pool: settings.pool, pid: process.pid, control: '' };
const send = (message: FromDomain) => port.postMessage(message);

if (settings.variant === 'takes') await takeItself(port);
else answerBatches(port);

/** A: the thread's own consumer; each batch it takes is answered and completed in the same turn. */
async function takeItself(port: MessagePort): Promise<void> {
  const queue = benchConsumer(settings, (requests) => {
    for (const request of requests) sendAnswer(queue.consumer, helloAnswer(request, identity));
  });
  port.on('message', (message: ToDomain) => {
    if (message.type !== 'stop') return;
    // Every request is answered in the turn it arrives, so nothing runs: close unregisters at once.
    queue.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`bench domain: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  await queue.start();
  send({ type: 'ready' });
}

/**
 * B: answer every batch the main thread posts, and send the answers of one turn of this event loop as one
 * message (flushed by setImmediate, so batches that arrive together go back together), as the consumer
 * batches its replies per turn.
 */
function answerBatches(port: MessagePort): void {
  let answers: HelloAnswer[] = [];
  let flushing = false;
  const flush = () => {
    const batch = answers;
    answers = [];
    flushing = false;
    send({ type: 'answers', answers: batch });
  };
  port.on('message', (message: ToDomain) => {
    if (message.type === 'stop') process.exit(0);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
    for (const request of message.requests) answers.push(helloAnswer(request, identity));
  });
  send({ type: 'ready' });
}
