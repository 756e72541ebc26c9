import { pino } from 'pino';
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
  const worker = await buildWorker({ redisUrl, pool, log });
  worker.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining: finishing requests in flight');
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  log.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
