import { pino } from 'pino';
import { argument, stopOnSignals } from '@w3pool/runtime';
import { buildWorker } from './app.js';

// w3wp: one process serving one application pool. REDIS_URL and W3POOL_POOL (or --pool NAME) say where.
const pool = argument('--pool') ?? process.env.W3POOL_POOL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = pino({ base: { service: 'worker', pool, pid: process.pid } });

if (!pool) {
  log.fatal('no application pool given: pass --pool NAME or set W3POOL_POOL');
  process.exit(2);
}

try {
  const worker = await buildWorker({ redisUrl, pool, log, heartbeatFile: process.env.W3POOL_HEARTBEAT_FILE });
  worker.start();
  // Stopping drains: requests in flight finish, then the extensions terminate.
  stopOnSignals(() => worker.close(), log);
} catch (error) {
  log.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
}
