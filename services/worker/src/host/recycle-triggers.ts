import { timeSpanToMs, type ApplicationPool } from '@w3pool/config';
import type { ProcessMetrics } from './process-metrics.js';
import type { RecycleReason } from './event-log.js';
import type { WorkerProcess } from './worker-process.js';

/** Per-worker offsets that spread a web garden's time and request recycles apart. */
export interface Stagger {
  timeMs: number;
  requests: number;
}

/**
 * periodicRestart's per-worker triggers, checked against the worker's real age, request count and memory
 * (from /proc): `time`, `requests`, `memory` (resident set, KB) and `privateMemory` (private, KB). IIS's
 * `memory` is virtual memory; Node reserves gigabytes of address space it never uses, so w3pool reads the
 * resident set instead, the figure that reflects what the worker costs the machine.
 */
export function recycleReason(
  pool: ApplicationPool,
  worker: WorkerProcess,
  metrics: ProcessMetrics | undefined,
  stagger: Stagger,
  now: number,
): RecycleReason | undefined {
  const restart = pool.recycling.periodicRestart;
  const timeMs = timeSpanToMs(restart.time);
  if (timeMs > 0 && now - worker.startedAt >= timeMs + stagger.timeMs) return 'Time';
  if (restart.requests > 0 && worker.requestsServed >= restart.requests + stagger.requests) return 'Requests';
  if (metrics && restart.memory > 0 && metrics.rssKb >= restart.memory) return 'Memory';
  if (metrics && restart.privateMemory > 0 && metrics.privateKb >= restart.privateMemory)
    return 'PrivateMemory';
  return undefined;
}

/** The garden's n-th worker of `count` started together recycles 1/count of a period later than the one before. */
export function staggerFor(pool: ApplicationPool, index: number, count: number): Stagger {
  if (count <= 1 || index === 0) return { timeMs: 0, requests: 0 };
  const restart = pool.recycling.periodicRestart;
  return {
    timeMs: Math.floor((timeSpanToMs(restart.time) * index) / count),
    requests: Math.floor((restart.requests * index) / count),
  };
}

/** Whether a `schedule` time of day (local time, as IIS) fell in (since, now]. */
export function scheduleDue(pool: ApplicationPool, since: number, now: number): boolean {
  for (const entry of pool.recycling.periodicRestart.schedule) {
    const offset = timeSpanToMs(entry) % 86_400_000;
    const day = new Date(now);
    day.setHours(0, 0, 0, 0);
    for (const base of [day.getTime(), day.getTime() - 86_400_000]) {
      const at = base + offset;
      if (at > since && at <= now) return true;
    }
  }
  return false;
}
