import { pino } from 'pino';
import { argument, stopOnSignals } from '@w3pool/runtime';
import { workerIdFactory } from '../worker-id.js';
import { buildWorker } from './app.js';
import { HostLink } from './host-link.js';

// w3wp: one worker process of one application pool, started and supervised by its pool host
// (services/worker/src/host). REDIS_URL and --pool NAME say where; W3POOL_WORKER_ID is the id its host gave
// it (a worker started by hand makes one up).
const pool = argument('--pool') ?? process.env.W3POOL_POOL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const workerId = process.env.W3POOL_WORKER_ID || workerIdFactory()();
const log = pino({ base: { service: 'w3wp', pool, pid: process.pid } });
const host = new HostLink(log);
/** How long a worker whose host vanished may take to drain before it exits anyway. */
const ORPHAN_EXIT_MS = 10_000;

if (!pool) {
  log.fatal('no application pool given: pass --pool NAME or set W3POOL_POOL');
  process.exit(2);
}

// A host that dies while this worker is still starting (waiting for the configuration, say, from a Redis
// that is gone too) leaves nobody to supervise it or to kill it at startupTimeLimit: it must not linger.
let started = false;
host.onHostGone(() => {
  if (started) return;
  log.warn('the pool host went away before this worker was ready; exiting');
  process.exit(1);
});

try {
  const worker = await buildWorker({ redisUrl, pool, workerId, log, host });
  await worker.start();
  started = true;
  // Stopping drains: requests in flight finish, then the extensions terminate. The host asks over IPC;
  // a signal does the same; a host that vanished leaves nobody to supervise this process, so it stops too.
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ why }, 'stopping');
      await worker.close();
    })();
    return stopping;
  };
  const stopAndExit = (why: string) => void stop(why).finally(() => process.exit(0));
  host.onStop(() => stopAndExit('host asked'));
  host.onHostGone(() => {
    // Nobody supervises this process any more: drain, but never linger past a hard limit.
    setTimeout(() => process.exit(1), ORPHAN_EXIT_MS);
    stopAndExit('host gone');
  });
  stopOnSignals(() => stop('signal'), log);
} catch (error) {
  log.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
}
