import { argument, stopOnSignals, serviceLogger } from '@w3pool/runtime';
import { workerIdFactory } from '../worker-id.js';
import { buildWorker, type WorkerService } from './app.js';
import { HostLink } from './host-link.js';

// w3wp: one worker process of one application pool, started and supervised by its pool host
// (services/worker/src/host). REDIS_URL and --pool NAME say where; W3POOL_WORKER_ID is the id its host gave
// it (a worker started by hand makes one up).
const pool = argument('--pool') ?? process.env.W3POOL_POOL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const workerId = process.env.W3POOL_WORKER_ID || workerIdFactory()();
const log = serviceLogger({ service: 'w3wp', pool, pid: process.pid });
const host = new HostLink(log);
/** How long a worker whose host vanished may take to drain before it exits anyway. */
const ORPHAN_EXIT_MS = 10_000;

if (!pool) {
  log.fatal('no application pool given: pass --pool NAME or set W3POOL_POOL');
  process.exit(2);
}

// Stopping drains: requests in flight finish, then the extensions terminate. The host asks over IPC; a
// signal does the same; a host that vanished leaves nobody to supervise this process, so it stops too.
let worker: WorkerService | undefined;
let started = false;
let stopping: Promise<void> | undefined;
const stop = (why: string): Promise<void> => {
  stopping ??= (async () => {
    log.info({ why, started }, 'stopping');
    await worker?.close();
  })();
  return stopping;
};
const stopAndExit = (why: string, code: number) => void stop(why).finally(() => process.exit(code));

// Registered before anything starts: a host can die while this worker is still starting (its domains
// loading, some of them already taking requests). Exiting on the spot would strand what those domains
// took, with nobody left to settle it; so a worker without a host stops as it would on a stop command,
// retiring whatever domains it has (a domain still loading stops taking before it ever serves), and never
// lingers past a hard limit.
host.onHostGone(() => {
  setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref();
  stopAndExit('host gone', started ? 0 : 1);
});
host.onStop(() => stopAndExit('host asked', 0));
stopOnSignals(() => stop('signal'), log);

try {
  worker = await buildWorker({ redisUrl, pool, workerId, log, host });
  // A host that went away while the configuration was awaited: stop() already ran without this worker.
  if (stopping) await worker.close();
  else {
    await worker.start();
    started = true;
  }
} catch (error) {
  if (stopping) await stopping;
  else {
    log.fatal({ err: error }, 'worker failed to start');
    process.exit(1);
  }
}
