import type { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { W3poolError } from '@w3pool/protocol';
import type { ConfigOwner } from '../config-owner.js';
import type { BackgroundJobsView } from '../background-jobs-view.js';
import type { RuntimeControl } from '../runtime-control.js';
import type { WasHttp } from '../was-http.js';
import { readRuntimeSnapshot, type RuntimeSnapshot } from './runtime-snapshot.js';
import { ScrapedMetric } from './scraped-metric.js';
import { systemMetrics } from './system-metrics.js';

const UNCONVENTIONAL_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface MetricsParts {
  redis: Redis;
  config: ConfigOwner;
  control: RuntimeControl;
  jobs: BackgroundJobsView;
}

/**
 * GET /metrics (Prometheus text format, docs/metrics.md): the whole system's w3pool_* metrics, read from
 * Redis at scrape time, and WAS's own process metrics (prom-client's defaults: CPU, memory, event-loop lag,
 * GC). An admin route: the admin API's authentication applies to it. While Redis is away a scrape answers
 * 503 (the admin API's error handler), so Prometheus records the scrape as failed rather than zeros.
 */
export function registerMetricsEndpoint(http: WasHttp, parts: MetricsParts): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, labels: { service: 'was' } });
  // Gauges named like counters, which promtool's lint rejects; each is the sum of the same metric without
  // _total, by type (nodejs_active_handles{type=...}), which stays.
  for (const name of UNCONVENTIONAL_DEFAULTS) registry.removeSingleMetric(name);
  let current: RuntimeSnapshot | undefined;
  const snapshot = (): RuntimeSnapshot => current!;
  for (const metric of systemMetrics(snapshot)) ScrapedMetric.register(registry, metric);
  http.get('/metrics', async (_request, reply) => {
    const config = parts.config.current?.config;
    if (!config) throw new W3poolError('WAS_NOT_READY');
    if (parts.redis.status !== 'ready')
      throw new W3poolError('WAS_REDIS_UNAVAILABLE', `(connection ${parts.redis.status})`);
    const read = await readRuntimeSnapshot(parts.redis, parts.control, parts.jobs, config);
    // Registry.metrics() calls every metric's get() before its first await, and ours read `current`
    // synchronously: a concurrent scrape that installs its own snapshot cannot mix into this one.
    current = read;
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}
