import { pino } from 'pino';
import { buildListener } from './app.js';

// http.sys: accepts HTTP on every bound endpoint and queues each request on its application pool's queue.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = pino({ base: { service: 'listener', pid: process.pid } });

try {
  const listener = await buildListener({ redisUrl, log, listenerId: process.env.W3POOL_LISTENER_ID });
  await listener.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    listener.close().then(
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
  log.fatal({ err: error }, 'listener failed to start');
  process.exit(1);
}
