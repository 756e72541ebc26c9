import { argument, stopOnSignals, serviceLogger } from '@w3pool/runtime';
import { buildPoolHost } from './host/app.js';

// The pool host: one per application pool (per container). It starts, pings, recycles and replaces the
// pool's worker processes (w3wp, src/w3wp/main.ts). REDIS_URL and W3POOL_POOL (or --pool NAME) say where.
const pool = argument('--pool') ?? process.env.W3POOL_POOL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = serviceLogger({ service: 'pool-host', pool, pid: process.pid });

if (!pool) {
  log.fatal('no application pool given: pass --pool NAME or set W3POOL_POOL');
  process.exit(2);
}

try {
  const host = await buildPoolHost({ redisUrl, pool, log, heartbeatFile: process.env.W3POOL_HEARTBEAT_FILE });
  // Stopping drains every worker: requests in flight finish, extensions terminate, then the host exits.
  stopOnSignals(() => host.close(), log);
} catch (error) {
  log.fatal({ err: error }, 'pool host failed to start');
  process.exit(1);
}
