import { ScrapedMetric } from './scraped-metric.js';
import type { RuntimeSnapshot } from './runtime-snapshot.js';

/** HTTP Service Request Queues counters per pool queue, and each pool's state. */
export function poolMetrics(s: () => RuntimeSnapshot): ScrapedMetric[] {
  return [
    poolGauge(
      'w3pool_pool_queue_requests',
      'Requests waiting in the pool queue (CurrentQueueSize).',
      (p) => p.CurrentQueueSize,
      s,
    ),
    poolGauge(
      'w3pool_pool_queue_max_item_age_seconds',
      'Age of the oldest request waiting in the pool queue (MaxQueueItemAge).',
      (p) => p.MaxQueueItemAge / 1000,
      s,
    ),
    poolGauge(
      'w3pool_pool_queue_arrival_rate_per_second',
      'Requests admitted to the pool queue per second, over the last 5 s (ArrivalRate).',
      (p) => p.ArrivalRate,
      s,
    ),
    new ScrapedMetric(
      'w3pool_pool_queue_rejected_requests_total',
      'Requests refused because the pool queue was full (RejectedRequests), since Redis last started.',
      'counter',
      () => s().pools.map((p) => ({ labels: { pool: p.name }, value: p.RejectedRequests })),
    ),
    new ScrapedMetric(
      'w3pool_pool_queue_abandoned_requests_total',
      'Requests whose listener had gone, with their clients (a listener killed or restarted), by outcome: skipped (never run), aborted (run, stopped at the first reply), expired (past the queue deadline); since Redis last started.',
      'counter',
      () =>
        s().pools.flatMap((p) =>
          Object.entries(p.AbandonedRequests).map(([outcome, value]) => ({
            labels: { pool: p.name, outcome },
            value,
          })),
        ),
    ),
    poolGauge(
      'w3pool_pool_queue_length_limit',
      "The pool queue's configured queueLength.",
      (p) => p.queueLength,
      s,
    ),
    poolGauge(
      'w3pool_pool_queue_consumers',
      'Application domains taking from the pool queue.',
      (p) => p.consumers,
      s,
    ),
    poolGauge(
      'w3pool_pool_requests_in_flight',
      'Requests taken from the pool queue by a worker and not finished yet.',
      (p) => p.requestsInFlight,
      s,
    ),
    new ScrapedMetric(
      'w3pool_pool_started',
      'Whether the application pool is started (1) or stopped (0); reason says why a stopped one stopped (Current Application Pool State).',
      'gauge',
      () =>
        s().pools.map((p) => ({
          labels: { pool: p.name, reason: 'reason' in p && p.reason ? p.reason : '' },
          value: p.state === 'Started' ? 1 : 0,
        })),
    ),
  ];
}

function poolGauge(
  name: string,
  help: string,
  value: (pool: RuntimeSnapshot['pools'][number]) => number,
  s: () => RuntimeSnapshot,
): ScrapedMetric {
  return new ScrapedMetric(name, help, 'gauge', () =>
    s().pools.map((p) => ({ labels: { pool: p.name }, value: value(p) })),
  );
}
