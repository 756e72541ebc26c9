import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { W3poolConfig } from '@w3pool/config';
import { listenerFigures, type ListenerFigures } from '../metrics/runtime-snapshot.js';
import type { RuntimeControl } from '../runtime-control.js';
import type { RejectionWindow } from './rejection-window.js';
import { requestsView, type InFlightView } from './requests-view.js';
import {
  poolPoints,
  sitePoints,
  trafficTotals,
  type PoolPoint,
  type SitePoint,
  type TrafficTotals,
} from './stats-points.js';

/** How often the figures are read while a live client listens: the listeners report every 2 s. */
export const STATS_INTERVAL_MS = 2_000;
/**
 * How often when nobody does: the history keeps filling (a chart opened later shows the last 15 minutes)
 * at a fifth of the cost, since reading the listeners is a SCAN of the keyspace.
 */
export const IDLE_INTERVAL_MS = 10_000;
/** How far back the charts reach (IIS Manager's worker process view has no history; 15 minutes is ours). */
export const STATS_WINDOW_MS = 15 * 60_000;

/** What a live view shows at one instant: the same rows as the /api views, read together. */
export interface StatsSnapshot {
  at: number;
  apppools: Record<string, unknown>[];
  sites: Record<string, unknown>[];
  /** Worker records and requests in flight: read only while a live client listens (they cost SCANs). */
  wp: Record<string, unknown>[];
  requests: InFlightView[];
  listeners: { id: string; requests: number; rejected: Record<string, number> }[];
  /** Answered requests since each listener started: per pool, and per site id by status class. */
  totals: TrafficTotals;
}

/** The last 15 minutes, one point per sample: per pool, and per site id (request rate by status class). */
export interface StatsHistory {
  /** The sampling interval while a live client listens (IDLE_INTERVAL_MS otherwise). */
  intervalMs: number;
  windowMs: number;
  pools: Record<string, PoolPoint[]>;
  sites: Record<string, SitePoint[]>;
}

export interface StatsTick {
  snapshot: StatsSnapshot;
  pools: Record<string, PoolPoint>;
  sites: Record<string, SitePoint>;
}

type Parts = {
  redis: Redis;
  control: RuntimeControl;
  config: () => W3poolConfig | undefined;
  rejections: RejectionWindow;
  log: Logger;
};

/**
 * The dashboard's live figures (GET /api/stats, and the `Stats` messages of the event stream): every 2 s
 * while a live client listens (every 10 s otherwise) one read of the pools, sites and listeners for
 * everyone, kept as a 15-minute history in WAS's memory
 * so that a chart opened now already shows the last 15 minutes; worker records and requests in flight
 * are read too while a live client listens. One reader however many browser tabs.
 */
export class LiveStats {
  private readonly listeners = new Set<(tick: StatsTick) => void>();
  private readonly pools = new Map<string, PoolPoint[]>();
  private readonly sites = new Map<string, SitePoint[]>();
  private previous: StatsSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(private readonly parts: Parts) {}

  start(): void {
    const tick = () => {
      const idle = this.listeners.size === 0;
      if (idle && this.previous && Date.now() - this.previous.at < IDLE_INTERVAL_MS - STATS_INTERVAL_MS / 2)
        return;
      this.sampling ??= this.sample()
        .catch((error: unknown) => this.parts.log.debug({ err: error }, 'live stats not sampled'))
        .finally(() => (this.sampling = undefined));
    };
    tick();
    this.timer = setInterval(tick, STATS_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }

  /** Each new sample reaches `listener` until the returned function is called. */
  subscribe(listener: (tick: StatsTick) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  latest(): StatsSnapshot | undefined {
    return this.previous;
  }

  history(): StatsHistory {
    return {
      intervalMs: STATS_INTERVAL_MS,
      windowMs: STATS_WINDOW_MS,
      pools: Object.fromEntries(this.pools),
      sites: Object.fromEntries(this.sites),
    };
  }

  /** One sample (exported for the unit test's clock). */
  async sample(now = Date.now()): Promise<void> {
    const config = this.parts.config();
    if (!config) return;
    const snapshot = await this.read(config, now);
    const previous = this.previous;
    this.previous = snapshot;
    // The first sample is a baseline: a rate needs two.
    if (!previous) return;
    const pools = poolPoints(previous, snapshot);
    const sites = sitePoints(previous, snapshot);
    this.append(this.pools, pools, now);
    this.append(this.sites, sites, now);
    for (const listener of this.listeners) listener({ snapshot, pools, sites });
  }

  private async read(config: W3poolConfig, at: number): Promise<StatsSnapshot> {
    const { control, redis, rejections } = this.parts;
    const live = this.listeners.size > 0;
    const [pools, sites, reported, wp, requests] = await Promise.all([
      control.pools(config),
      control.sites(config),
      control.listeners(),
      live ? control.workerProcesses() : Promise.resolve([]),
      live ? requestsView(redis, control, config, {}, at) : Promise.resolve([]),
    ]);
    const figures: ListenerFigures[] = reported.map(listenerFigures);
    return {
      at,
      apppools: pools.map((pool) => ({ ...pool, ...rejections.figures(pool.name, at) })),
      sites,
      wp,
      requests,
      listeners: figures.map((l) => ({ id: l.id, requests: l.counters.requests ?? 0, rejected: l.rejected })),
      totals: trafficTotals(config, figures),
    };
  }

  private append<T extends { at: number }>(series: Map<string, T[]>, points: Record<string, T>, now: number) {
    for (const [key, point] of Object.entries(points)) {
      const list = series.get(key) ?? [];
      list.push(point);
      while (list.length > 0 && list[0]!.at <= now - STATS_WINDOW_MS) list.shift();
      series.set(key, list);
    }
    // A pool or site removed from the configuration keeps no history.
    for (const key of series.keys()) if (!(key in points)) series.delete(key);
  }
}
