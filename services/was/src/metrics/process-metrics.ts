import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { PROCESS_METRICS_PATTERN } from '@w3pool/protocol';
import { processRegistry, type ProcessMetricsDocument } from '@w3pool/runtime';
import { ScrapedMetric, type MetricType, type Sample } from './scraped-metric.js';

/**
 * prom-client gauges named like counters, which promtool's lint rejects; each is the sum of the same
 * metric without _total by type (nodejs_active_handles{type=...}), which stays.
 */
const UNCONVENTIONAL = new Set([
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]);
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary']);

/** WAS's own default metrics, shown beside the ones the listeners and pool hosts publish. */
export class OwnProcessMetrics {
  private readonly registry = processRegistry();
  private readonly instance = `${hostname()}-${process.pid}`;

  async read(): Promise<ProcessMetricsDocument> {
    return { service: 'was', instance: this.instance, metrics: await this.registry.getMetricsAsJSON() };
  }
}

/** Every live listener's and pool host's published process metrics (SCAN: a scrape, not a request). */
export async function readProcessReports(redis: Redis): Promise<ProcessMetricsDocument[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', PROCESS_METRICS_PATTERN, 'COUNT', 100);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((json) => {
    if (json === null) return [];
    try {
      const document = JSON.parse(json) as ProcessMetricsDocument;
      const valid =
        typeof document.service === 'string' &&
        typeof document.instance === 'string' &&
        Array.isArray(document.metrics);
      return valid ? [document] : [];
    } catch {
      return [];
    }
  });
}

/**
 * One metric per default metric name, whose series are every process's, told apart by `service`
 * (was, listener, pool-host) and `instance`. A process whose metric has another type than the first
 * one's (another prom-client version) is left out of that metric rather than breaking the exposition.
 */
export function processMetrics(documents: ProcessMetricsDocument[]): ScrapedMetric[] {
  const byName = new Map<string, { help: string; type: MetricType; samples: Sample[] }>();
  for (const { service, instance, metrics } of documents) {
    for (const metric of metrics) {
      // A string in the JSON; prom-client types it as its enum.
      const type = metric.type as unknown as string;
      if (UNCONVENTIONAL.has(metric.name) || !TYPES.has(type)) continue;
      const entry = byName.get(metric.name) ?? {
        help: metric.help,
        type: type as MetricType,
        samples: [],
      };
      if (entry.type !== type) continue;
      for (const value of metric.values) {
        const { metricName } = value as { metricName?: string };
        entry.samples.push({
          labels: { ...(value.labels as Record<string, string | number>), service, instance },
          value: value.value,
          ...(metricName ? { metricName } : {}),
        });
      }
      byName.set(metric.name, entry);
    }
  }
  return [...byName].map(
    ([name, { help, type, samples }]) => new ScrapedMetric(name, help, type, () => samples),
  );
}
