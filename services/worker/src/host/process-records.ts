import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { workerProcessKey } from '@w3pool/protocol';
import type { ProcessMetrics } from './process-metrics.js';
import type { WorkerProcess } from './worker-process.js';

const TTL_MS = 10_000;

/**
 * Each worker's live record in Redis (`appcmd list wp` and `appcmd list requests`), written by its pool host
 * every tick with a 10 s lifetime: a host that dies takes its records with it, without anyone cleaning up.
 */
export class ProcessRecords {
  private readonly host = hostname();
  private readonly cpu = new Map<number, { seconds: number; at: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly pool: string,
  ) {}

  async write(worker: WorkerProcess, metrics: ProcessMetrics | undefined, now: number): Promise<void> {
    const previous = this.cpu.get(worker.pid);
    const cpuPercent =
      metrics && previous && now > previous.at
        ? Math.round(((metrics.cpuSeconds - previous.seconds) * 100_000) / (now - previous.at)) / 100
        : 0;
    if (metrics) this.cpu.set(worker.pid, { seconds: metrics.cpuSeconds, at: now });
    const requests = worker.inFlight.map((r) => ({
      id: r.id,
      verb: r.method,
      url: r.url,
      elapsedMs: now - r.at,
      stage: 'ExecuteRequestHandler',
    }));
    const key = workerProcessKey(this.host, worker.pid);
    await this.redis
      .multi()
      .hset(key, {
        pid: worker.pid,
        pool: this.pool,
        host: this.host,
        state: worker.state,
        startedAt: worker.startedAt,
        requestsServed: worker.requestsServed,
        requestsInFlight: worker.inFlight.length,
        requests: JSON.stringify(requests),
        rssKb: metrics?.rssKb ?? 0,
        privateKb: metrics?.privateKb ?? 0,
        cpuPercent,
        lastPingMs: worker.lastPingMs ?? -1,
        updatedAt: now,
      })
      .pexpire(key, TTL_MS)
      .exec();
  }

  async remove(worker: WorkerProcess): Promise<void> {
    this.cpu.delete(worker.pid);
    await this.redis.del(workerProcessKey(this.host, worker.pid));
  }
}
