import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { processRegistry, type ProcessMetricsDocument } from '@w3pool/runtime';
import { processMetrics } from './process-metrics.js';
import { ScrapedMetric } from './scraped-metric.js';

async function documentOf(service: string, instance: string): Promise<ProcessMetricsDocument> {
  return { service, instance, metrics: await processRegistry().getMetricsAsJSON() };
}

async function render(documents: ProcessMetricsDocument[]): Promise<string> {
  const registry = new Registry();
  for (const metric of processMetrics(documents)) ScrapedMetric.register(registry, metric);
  return registry.metrics();
}

describe("the services' process metrics", () => {
  it("show each process's default metrics once per name, labelled with its service and instance", async () => {
    const text = await render([await documentOf('was', 'a-1'), await documentOf('listener', 'l-2')]);
    expect(text.match(/^# TYPE process_cpu_seconds_total counter$/gm)).toHaveLength(1);
    expect(text).toMatch(/^process_resident_memory_bytes\{service="was",instance="a-1"\} \d+/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{service="listener",instance="l-2"\} \d+/m);
    // Gauges prom-client names like counters are left out (promtool rejects them); the by-type ones stay.
    expect(text).not.toContain('nodejs_active_handles_total');
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
  });

  it("keep a histogram's _bucket, _sum and _count lines", async () => {
    // GC durations (the default histogram) appear only after a collection: a histogram of our own instead.
    const registry = new Registry();
    const histogram = new Histogram({
      name: 'gc_like_seconds',
      help: 'h',
      buckets: [0.1, 1],
      registers: [registry],
    });
    histogram.observe(0.5);
    const text = await render([
      { service: 'was', instance: 'a-1', metrics: await registry.getMetricsAsJSON() },
    ]);
    expect(text).toContain('gc_like_seconds_bucket{le="0.1",service="was",instance="a-1"} 0');
    expect(text).toContain('gc_like_seconds_bucket{le="1",service="was",instance="a-1"} 1');
    expect(text).toContain('gc_like_seconds_bucket{le="+Inf",service="was",instance="a-1"} 1');
    expect(text).toContain('gc_like_seconds_sum{service="was",instance="a-1"} 0.5');
    expect(text).toContain('gc_like_seconds_count{service="was",instance="a-1"} 1');
  });

  it("leave out a process whose metric has another type than the first one's", async () => {
    const odd = await documentOf('pool-host', 'p-3');
    const heap = odd.metrics.find((m) => m.name === 'nodejs_heap_size_used_bytes')!;
    (heap as unknown as { type: string }).type = 'counter';
    const text = await render([await documentOf('was', 'a-1'), odd]);
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(text).not.toMatch(/^nodejs_heap_size_used_bytes\{service="pool-host"/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{service="pool-host",instance="p-3"\}/m);
  });
});
