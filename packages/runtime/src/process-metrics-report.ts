import type { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** How often a service publishes its process metrics; the key lives three times as long. */
const REPORT_EVERY_MS = 5_000;
const TTL_MS = 15_000;

/** What a service publishes: prom-client's JSON of its default metrics, and who it is. */
export interface ProcessMetricsDocument {
  service: string;
  instance: string;
  metrics: MetricObjectWithValues<MetricValue<string>>[];
}

/** prom-client's default metrics (CPU, memory, event-loop lag, GC, handles) of this process, by itself. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Publishes this process's default metrics in Redis every 5 s (a key with a 15 s lifetime), for WAS's
 * GET /metrics to show with `service` and `instance` labels: no metrics port per process, and it works
 * across hosts. Off the request path: one SET per 5 s.
 */
export class ProcessMetricsReport {
  private readonly registry = processRegistry();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    /** The key (PROCESS_METRICS_PATTERN in @w3pool/protocol) and the labels WAS shows. */
    private readonly key: string,
    private readonly who: { service: string; instance: string },
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    const report = () => {
      this.write().catch(this.onError);
    };
    report();
    this.timer = setInterval(report, REPORT_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    // While Redis is away a DEL would wait for it, and hold up the service's exit: the entry expires by
    // its TTL anyway.
    if (this.redis.status !== 'ready') return;
    await this.redis.del(this.key).catch(() => undefined);
  }

  private async write(): Promise<void> {
    // No reports while Redis is away: they would only queue up in the client.
    if (this.redis.status !== 'ready') return;
    const document: ProcessMetricsDocument = { ...this.who, metrics: await this.registry.getMetricsAsJSON() };
    await this.redis.set(this.key, JSON.stringify(document), 'PX', TTL_MS);
  }
}
