import { freePort, startNode, startRedis } from '@w3pool/test/helpers';
import { measureAll, type CaseContext } from '../measure.js';
import { benchScript, Cleanup, stopProcess } from '../processes.js';
import { RedisStats } from '../redis-stats.js';
import { LABELS } from '../results.js';

/**
 * Case b: the raw Redis hop. A minimal listener and a minimal worker, two processes, a private Redis between
 * them: what one listener → Redis → worker → listener round trip costs before any of w3pool's work.
 */
export async function runRawHopCase(context: CaseContext): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const redis = await startRedis();
    cleanup.add(() => redis.stop());
    const stats = await RedisStats.connect(redis.url);
    cleanup.add(() => stats.close());
    const redisPid = await stats.pid();
    const port = await freePort();
    const env = { REDIS_URL: redis.url, BENCH_PORT: String(port) };
    const listener = startNode('raw-listener', [benchScript('raw-hop/listener.js')], env);
    cleanup.add(() => stopProcess(listener));
    const worker = startNode('raw-worker', [benchScript('raw-hop/worker.js')], env);
    cleanup.add(() => stopProcess(worker));
    await Promise.all([
      listener.waitForLine(/raw-hop listener ready/),
      worker.waitForLine(/raw-hop worker ready/),
    ]);
    await measureAll(context, {
      caseName: 'raw',
      label: LABELS.raw,
      url: `http://127.0.0.1:${port}/`,
      processes: [
        { role: 'listener', pids: () => [listener.pid] },
        { role: 'worker', pids: () => [worker.pid] },
        { role: 'redis', pids: () => [redisPid] },
      ],
      services: [listener, worker],
      redis: stats,
    });
  } finally {
    await cleanup.run();
  }
}
