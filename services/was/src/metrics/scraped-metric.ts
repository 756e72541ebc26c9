import type { Registry } from 'prom-client';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One line of the exposition: a series' value (a histogram's lines name their _bucket/_sum/_count). */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  /** Defaults to the metric's name. */
  metricName?: string;
}

/**
 * A metric whose every value is read from Redis at scrape time rather than counted by WAS: the counters
 * belong to the listeners and pool hosts that did the work, so a WAS restart loses nothing. prom-client's
 * Counter and Histogram only count what happens in their own process; this is the custom collector its
 * Registry accepts (an object with `get()`), formatted and escaped by the Registry like any other metric.
 */
export class ScrapedMetric {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly collect: () => Sample[],
  ) {}

  get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.collect(),
    };
  }

  /** Registry.registerMetric's type is prom-client's own metric classes; the Registry only calls get(). */
  static register(registry: Registry, metric: ScrapedMetric): void {
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }
}

/** A histogram's lines from cumulative bucket counts (the last one is +Inf), its sum and its count. */
export function histogramSamples(
  name: string,
  labels: Record<string, string>,
  histogram: { bucketsSeconds: number[]; counts: number[]; sumSeconds: number; count: number },
): Sample[] {
  const buckets = histogram.bucketsSeconds.map((le, i) => ({
    metricName: `${name}_bucket`,
    labels: { ...labels, le },
    value: histogram.counts[i] ?? 0,
  }));
  return [
    ...buckets,
    { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: histogram.count },
    { metricName: `${name}_sum`, labels, value: histogram.sumSeconds },
    { metricName: `${name}_count`, labels, value: histogram.count },
  ];
}
