import { parentPort, threadId, workerData } from 'node:worker_threads';
import { serviceLogger } from '@w3pool/runtime';
import { domainCommandCodec, type DomainCommand, type DomainReport } from '@w3pool/protocol';
import { buildDomain } from './domain-app.js';
import { domainData } from './domain-data.js';

// One application's domain: a worker thread with its own module graph (so its extensions load afresh when
// it restarts), its own Redis connections and its own queue consumer. It runs until its main thread
// retires it; an uncaught error ends the thread, and the main thread answers what it held.
if (!parentPort) throw new Error('an application domain runs in a worker thread (domain-main.ts)');
const port = parentPort;
const data = domainData(workerData);
const send = (message: DomainReport) => port.postMessage(message);
// Straight to the process's stdout, synchronously: a thread's own process.stdout is relayed through the
// main thread, and a domain that ends (or dies) would lose its last lines, the ones that say why.
const log = serviceLogger({
  service: 'w3wp',
  pool: data.pool,
  pid: process.pid,
  app: data.appPath,
  threadId,
});

const domain = await buildDomain(data, log, send);
let retiring: Promise<void> | undefined;
port.on('message', (raw: unknown) => {
  let command: DomainCommand;
  try {
    command = domainCommandCodec.check(raw);
  } catch (error) {
    log.warn({ err: error }, 'ignored a malformed domain command');
    return;
  }
  switch (command.type) {
    case 'ping':
      send({ type: 'pong', seq: command.seq });
      return;
    case 'retire':
      retiring ??= domain
        .retire()
        .catch((error: unknown) => log.error({ err: error }, 'application domain did not retire cleanly'))
        .finally(() => process.exit(0));
      return;
  }
});
await domain.start();
log.info({ consumer: data.consumerId, capacity: data.capacity }, 'application domain takes requests');
send({ type: 'ready' });
