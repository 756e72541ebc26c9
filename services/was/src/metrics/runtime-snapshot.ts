import type { Redis } from 'ioredis';
import { EVENT_COUNTS_KEY } from '@w3pool/protocol';
import type { W3poolConfig } from '@w3pool/config';
import type { ApplicationJobs, BackgroundJobsView } from '../background-jobs-view.js';
import type { RuntimeControl } from '../runtime-control.js';

/** A latency histogram as a listener reports it (services/listener/src/request-traffic.ts). */
export interface ReportedHistogram {
  bucketsSeconds: number[];
  counts: number[];
  sumSeconds: number;
  count: number;
}

/** One live listener's counters, from its presence hash. */
export interface ListenerFigures {
  id: string;
  counters: Record<string, number>;
  /** Rejections by HTTPERR reason. */
  rejected: Record<string, number>;
  requests: { site: string; pool: string; status: string; count: number }[];
  /** By pool. */
  queueWait: Record<string, ReportedHistogram>;
  total: Record<string, ReportedHistogram>;
}

export type PoolFigures = Awaited<ReturnType<RuntimeControl['pools']>>[number];

/** Everything GET /metrics shows, read from Redis once per scrape. */
export interface RuntimeSnapshot {
  pools: PoolFigures[];
  listeners: ListenerFigures[];
  workers: { pool: string; state: string }[];
  /** `pool\tkind\treason` → count (the pool hosts' EVENT_COUNTS_KEY). */
  events: Record<string, number>;
  jobs: { pool: string; applications: ApplicationJobs[] }[];
}

export async function readRuntimeSnapshot(
  redis: Redis,
  control: RuntimeControl,
  jobs: BackgroundJobsView,
  config: W3poolConfig,
): Promise<RuntimeSnapshot> {
  const [pools, listeners, workers, events, poolJobs] = await Promise.all([
    control.pools(config),
    control.listeners(),
    control.workerProcesses(),
    redis.hgetall(EVENT_COUNTS_KEY),
    Promise.all(
      config.applicationPools.map(async (p) => ({
        pool: p.name,
        applications: await jobs.pool(config, p.name, 0),
      })),
    ),
  ]);
  return {
    pools,
    listeners: listeners.map(listenerFigures),
    workers: workers.map((w) => ({ pool: text(w.pool), state: text(w.state) })),
    events: Object.fromEntries(Object.entries(events).map(([field, n]) => [field, Number(n) || 0])),
    jobs: poolJobs,
  };
}

/** A presence hash as RuntimeControl.listeners() parsed it; `traffic` is the listener's JSON snapshot. */
export function listenerFigures(entry: Record<string, unknown>): ListenerFigures {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(entry)) if (typeof value === 'number') counters[name] = value;
  const traffic = parseTraffic(entry.traffic);
  return {
    id: String(entry.id),
    counters,
    rejected: isRecord(entry.rejected) ? numbers(entry.rejected) : {},
    requests: traffic.requests,
    queueWait: traffic.queueWait,
    total: traffic.total,
  };
}

/** A listener of an older build reports no traffic: its requests are then simply not broken down. */
function parseTraffic(json: unknown): Pick<ListenerFigures, 'requests' | 'queueWait' | 'total'> {
  const empty = { requests: [], queueWait: {}, total: {} };
  if (typeof json !== 'string') return empty;
  try {
    const value = JSON.parse(json) as {
      bucketsSeconds?: number[];
      requests?: ListenerFigures['requests'];
      queueWait?: Record<string, Omit<ReportedHistogram, 'bucketsSeconds'>>;
      total?: Record<string, Omit<ReportedHistogram, 'bucketsSeconds'>>;
    };
    const buckets = Array.isArray(value.bucketsSeconds) ? value.bucketsSeconds : [];
    const withBuckets = (h: Record<string, Omit<ReportedHistogram, 'bucketsSeconds'>> = {}) =>
      Object.fromEntries(Object.entries(h).map(([pool, x]) => [pool, { ...x, bucketsSeconds: buckets }]));
    return {
      requests: Array.isArray(value.requests) ? value.requests : [],
      queueWait: withBuckets(value.queueWait),
      total: withBuckets(value.total),
    };
  } catch {
    return empty;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numbers(record: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number(v) || 0]));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
