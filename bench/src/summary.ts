import { CLOCK_TICKS } from './cpu-sampler.js';
import { addCommandStats } from './redis-stats.js';
import type { Measurement } from './results.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface ProcessCpu {
  /** Percent of one core over the measured runs. */
  percent: number;
  /** CPU microseconds per completed request. */
  usPerRequest: number;
}

export interface TopCommand {
  name: string;
  callsPerRequest: number;
  usPerCall: number;
  usPerRequest: number;
}

export interface Summary {
  measurement: Measurement;
  requestsPerSecond: Spread;
  p50Ms: number;
  p99Ms: number;
  /** The slowest request of any run. */
  maxMs: number;
  non2xx: number;
  socketErrors: number;
  requests: number;
  cpu: Map<string, ProcessCpu>;
  /** Undefined for cases without Redis. */
  redis: { usPerRequest: number; callsPerRequest: number; top: TopCommand[] } | undefined;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Throughput and latency are the median over the runs (with min and max for the spread). CPU and Redis time
 * are totals over all measured runs divided by their total wall time or requests: a steadier figure than
 * the median of a few short runs, and consistent between % of a core and µs per request.
 */
export function summarize(measurement: Measurement): Summary {
  const { runs } = measurement;
  const requests = runs.reduce((sum, r) => sum + r.wrk.requests, 0);
  const wallSeconds = runs.reduce((sum, r) => sum + r.wallSeconds, 0);
  const cpu = new Map<string, ProcessCpu>();
  for (const role of new Set(runs.flatMap((r) => [...r.cpuTicks.keys()]))) {
    const seconds = runs.reduce((sum, r) => sum + (r.cpuTicks.get(role) ?? 0), 0) / CLOCK_TICKS;
    cpu.set(role, { percent: (seconds / wallSeconds) * 100, usPerRequest: (seconds * 1e6) / requests });
  }
  return {
    measurement,
    requestsPerSecond: spread(runs.map((r) => r.wrk.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.wrk.p50Ms)),
    p99Ms: median(runs.map((r) => r.wrk.p99Ms)),
    maxMs: Math.max(...runs.map((r) => r.wrk.maxMs)),
    non2xx: runs.reduce((sum, r) => sum + r.wrk.non2xx, 0),
    socketErrors: runs.reduce((sum, r) => sum + r.wrk.socketErrors, 0),
    requests,
    cpu,
    redis: redisSummary(measurement, requests),
  };
}

function redisSummary(measurement: Measurement, requests: number): Summary['redis'] {
  const perRun = measurement.runs.map((r) => r.redis).filter((r) => r !== undefined);
  if (perRun.length === 0) return undefined;
  const total = addCommandStats(perRun);
  const usec = [...total.values()].reduce((sum, s) => sum + s.usec, 0);
  const calls = [...total.values()].reduce((sum, s) => sum + s.calls, 0);
  const top = [...total.entries()]
    .sort(([, a], [, b]) => b.usec - a.usec)
    .slice(0, 5)
    .map(([name, s]) => ({
      name,
      callsPerRequest: s.calls / requests,
      usPerCall: s.calls > 0 ? s.usec / s.calls : 0,
      usPerRequest: s.usec / requests,
    }));
  return { usPerRequest: usec / requests, callsPerRequest: calls / requests, top };
}
