import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { W3poolError } from '@w3pool/protocol';
import type { ConfigOwner } from '../config-owner.js';
import type { BackgroundJobsView } from '../background-jobs-view.js';
import type { RuntimeControl } from '../runtime-control.js';
import type { WasHttp } from '../was-http.js';
import { OwnProcessMetrics, processMetrics, readProcessReports } from './process-metrics.js';
import { readRuntimeSnapshot } from './runtime-snapshot.js';
import { ScrapedMetric } from './scraped-metric.js';
import { systemMetrics } from './system-metrics.js';

export interface MetricsParts {
  redis: Redis;
  config: ConfigOwner;
  control: RuntimeControl;
  jobs: BackgroundJobsView;
}

/**
 * GET /metrics (Prometheus text format, docs/metrics.md): the whole system's w3pool_* metrics, read from
 * Redis at scrape time, and every service's process metrics (prom-client's defaults: CPU, memory,
 * event-loop lag, GC) with `service` and `instance` labels — WAS's own, and those the listeners and pool
 * hosts publish in Redis. An admin route: the admin API's authentication applies to it. While Redis is
 * away a scrape answers 503, so Prometheus records a failed scrape rather than zeros.
 */
export function registerMetricsEndpoint(http: WasHttp, parts: MetricsParts): void {
  const own = new OwnProcessMetrics();
  http.get('/metrics', async (_request, reply) => {
    const config = parts.config.current?.config;
    if (!config) throw new W3poolError('WAS_NOT_READY');
    if (parts.redis.status !== 'ready')
      throw new W3poolError('WAS_REDIS_UNAVAILABLE', `(connection ${parts.redis.status})`);
    const [snapshot, reports, mine] = await Promise.all([
      readRuntimeSnapshot(parts.redis, parts.control, parts.jobs, config),
      readProcessReports(parts.redis),
      own.read(),
    ]);
    // A registry per scrape: its metrics are this scrape's figures, whichever scrapes run at once.
    const registry = new Registry();
    for (const metric of [...systemMetrics(() => snapshot), ...processMetrics([mine, ...reports])])
      ScrapedMetric.register(registry, metric);
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}
