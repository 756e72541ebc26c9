import { listenerMetrics } from './listener-metrics.js';
import { poolMetrics } from './pool-metrics.js';
import type { RuntimeSnapshot } from './runtime-snapshot.js';
import type { ScrapedMetric } from './scraped-metric.js';
import { workerMetrics } from './worker-metrics.js';

/**
 * Every w3pool_* metric, each computed from the snapshot of the scrape in progress. docs/metrics.md lists
 * them with their IIS counterparts; keep the two in step.
 */
export function systemMetrics(snapshot: () => RuntimeSnapshot): ScrapedMetric[] {
  return [...listenerMetrics(snapshot), ...poolMetrics(snapshot), ...workerMetrics(snapshot)];
}
