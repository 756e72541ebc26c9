import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { argument } from '@w3pool/runtime';
import { benchConsumer } from './bench-consumer.js';
import { sendAnswer } from './hello-reply.js';
import type { FromDomain, HopSettings, ToDomain } from './hop-messages.js';

// The domains case's worker process, in place of a pool host's w3wp: one application domain (a worker
// thread) for DefaultAppPool's application `/` of site 1, fed one of two ways (`--variant`):
//   takes  (A) the thread owns the queue consumer: it takes, answers and publishes by itself;
//   relay  (B) this main thread owns the consumer, posts each batch it takes to the thread as one message
//              and publishes the batch of answers the thread posts back.
// Everything else (handler, encodings, capacity, Redis roles) is shared, so the two differ only by the hop.
const variant = argument('--variant');
if (variant !== 'takes' && variant !== 'relay') {
  process.stderr.write('usage: worker-main.js --variant takes|relay [--capacity n]\n');
  process.exit(2);
}
const settings: HopSettings = {
  variant,
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  pool: 'DefaultAppPool',
  siteId: 1,
  appPath: '/',
  consumerId: `bench-${process.pid}.1`,
  capacity: Number(argument('--capacity') ?? 16),
};
const thread = new Worker(new URL('./domain-thread.js', import.meta.url), { workerData: settings });
let stopping = false;
// A domain that dies must end the process, so the harness sees it (assertRunning) instead of measuring 503s.
thread.on('error', (error) => fail('domain thread failed', error));
thread.on('exit', (code) => {
  if (!stopping) fail('domain thread exited', code);
});

const stop = variant === 'takes' ? await domainTakes(thread) : await mainRelays(thread);
console.log(
  `bench domain worker ready (${variant}, consumer ${settings.consumerId}, capacity ${settings.capacity})`,
);
process.once('SIGTERM', () => {
  stopping = true;
  stop().then(
    () => process.exit(0),
    (error: unknown) => fail('stop failed', error),
  );
});

/** A: the thread registers its own consumer; stopping it closes that consumer (unregisters) in the thread. */
async function domainTakes(thread: Worker): Promise<() => Promise<void>> {
  await ready(thread);
  return async () => {
    post(thread, { type: 'stop' });
    await ended(thread);
  };
}

/** B: this thread's consumer; one message to the domain per batch taken, one back per batch answered. */
async function mainRelays(thread: Worker): Promise<() => Promise<void>> {
  await ready(thread);
  // The taken requests as they are, jobs whole: structured-cloned, as a relay to a handler thread would send
  // them. (A job's pre-read body views the element's own buffer, a couple of hundred bytes, not a larger
  // socket buffer, so the clone copies about the job's size.)
  const queue = benchConsumer(settings, (requests) => post(thread, { type: 'requests', requests }));
  thread.on('message', (message: FromDomain) => {
    if (message.type !== 'answers') return;
    for (const answer of message.answers) sendAnswer(queue.consumer, answer);
  });
  await queue.start();
  return async () => {
    await queue.consumer.stopTaking();
    // What the thread still answers must be published and completed before the consumer unregisters.
    const deadline = Date.now() + 3_000;
    while (queue.consumer.inFlight > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await queue.close();
    post(thread, { type: 'stop' });
    await ended(thread);
  };
}

function post(thread: Worker, message: ToDomain): void {
  thread.postMessage(message);
}

function ready(thread: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: FromDomain) => {
      if (message.type !== 'ready') return;
      thread.off('message', onMessage);
      resolve();
    };
    thread.on('message', onMessage);
  });
}

/** The thread's exit, or its termination if it has not ended within a few seconds. */
async function ended(thread: Worker): Promise<void> {
  const timer = setTimeout(() => void thread.terminate(), 4_000);
  await once(thread, 'exit');
  clearTimeout(timer);
}

function fail(what: string, detail: unknown): never {
  process.stderr.write(`bench worker: ${what}: ${detail instanceof Error ? detail.stack : String(detail)}\n`);
  process.exit(1);
}
