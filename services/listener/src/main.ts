import { stopOnSignals, serviceLogger } from '@w3pool/runtime';
import { buildListener } from './app.js';

// http.sys: accepts HTTP on every bound endpoint and queues each request on its application pool's queue.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = serviceLogger({ service: 'listener', pid: process.pid });

try {
  const ports = process.env.W3POOL_LISTENER_PORTS?.split(',').map(Number);
  const listener = await buildListener({ redisUrl, log, listenerId: process.env.W3POOL_LISTENER_ID, ports });
  await listener.start();
  // Stopping is graceful: no new connections, requests in flight finish.
  stopOnSignals(() => listener.close(), log);
} catch (error) {
  log.fatal({ err: error }, 'listener failed to start');
  process.exit(1);
}
