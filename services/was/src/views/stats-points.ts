import type { W3poolConfig } from '@w3pool/config';
import type { ListenerFigures } from '../metrics/runtime-snapshot.js';

/** One pool at one sample: what the overview's chart plots. */
export interface PoolPoint {
  at: number;
  /** CurrentQueueSize: requests waiting in the pool's queue. */
  queue: number;
  /** Requests of the pool answered per second since the previous sample (every listener, every status). */
  requestsPerSec: number;
  /** Requests refused 503.2 QueueFull per second since the previous sample (growth of RejectedRequests). */
  rejectionsPerSec: number;
}

/** One site at one sample: requests answered per second by status class ('2xx', '5xx', ...). */
export interface SitePoint {
  at: number;
  rates: Record<string, number>;
}

export interface TrafficTotals {
  pools: Record<string, number>;
  sites: Record<string, Record<string, number>>;
}

/**
 * Sums every listener's answered requests per pool and per site (by id) and status class. The listeners
 * report the site's name; the configuration maps it to its id, which is what the dashboard's URLs use.
 */
export function trafficTotals(config: W3poolConfig, listeners: ListenerFigures[]): TrafficTotals {
  const pools: Record<string, number> = Object.fromEntries(config.applicationPools.map((p) => [p.name, 0]));
  const sites: Record<string, Record<string, number>> = Object.fromEntries(
    config.sites.map((s) => [String(s.id), {}]),
  );
  const idOf = new Map(config.sites.map((s) => [s.name, String(s.id)]));
  for (const listener of listeners) {
    for (const { site, pool, status, count } of listener.requests) {
      if (pool in pools) pools[pool]! += count;
      const id = idOf.get(site);
      if (id !== undefined) sites[id]![status] = (sites[id]![status] ?? 0) + count;
    }
  }
  return { pools, sites };
}

interface Sample {
  at: number;
  apppools: Record<string, unknown>[];
  totals: TrafficTotals;
}

/**
 * Growth per second, to 2 decimals. A counter seen for the first time (undefined before) or one that went
 * down (a listener or Redis restarted) gives 0 for this sample rather than a spike or a negative rate.
 */
const perSecond = (now: number, before: number | undefined, seconds: number) =>
  Math.round((Math.max(0, now - (before !== undefined && before <= now ? before : now)) / seconds) * 100) /
  100;

export function poolPoints(previous: Sample, current: Sample): Record<string, PoolPoint> {
  const seconds = Math.max(0.001, (current.at - previous.at) / 1000);
  const before = new Map(previous.apppools.map((p) => [String(p.name), p]));
  const points: Record<string, PoolPoint> = {};
  for (const pool of current.apppools) {
    const name = String(pool.name);
    points[name] = {
      at: current.at,
      queue: Number(pool.CurrentQueueSize ?? 0),
      requestsPerSec: perSecond(current.totals.pools[name] ?? 0, previous.totals.pools[name], seconds),
      rejectionsPerSec: perSecond(
        Number(pool.RejectedRequests ?? 0),
        before.has(name) ? Number(before.get(name)!.RejectedRequests ?? 0) : undefined,
        seconds,
      ),
    };
  }
  return points;
}

export function sitePoints(previous: Sample, current: Sample): Record<string, SitePoint> {
  const seconds = Math.max(0.001, (current.at - previous.at) / 1000);
  const points: Record<string, SitePoint> = {};
  for (const [id, classes] of Object.entries(current.totals.sites)) {
    const rates: Record<string, number> = {};
    for (const [status, count] of Object.entries(classes))
      // A status class first seen now on a known site grew from 0.
      rates[status] = perSecond(
        count,
        id in previous.totals.sites ? (previous.totals.sites[id]![status] ?? 0) : undefined,
        seconds,
      );
    points[id] = { at: current.at, rates };
  }
  return points;
}
