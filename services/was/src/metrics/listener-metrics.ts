import { histogramSamples, ScrapedMetric } from './scraped-metric.js';
import type { RuntimeSnapshot } from './runtime-snapshot.js';

/** HTTP Service (http.sys) and Web Service counters, per listener: each listener counts its own. */
export function listenerMetrics(s: () => RuntimeSnapshot): ScrapedMetric[] {
  return [
    new ScrapedMetric(
      'w3pool_listeners',
      'Live listeners (http.sys instances) reporting to Redis.',
      'gauge',
      () => [{ labels: {}, value: s().listeners.length }],
    ),
    new ScrapedMetric(
      'w3pool_requests_total',
      'Requests answered by a listener, by site, application pool and status class (status_class 0xx: closed without an answer).',
      'counter',
      () =>
        s().listeners.flatMap((l) =>
          l.requests.map((r) => ({
            labels: { listener: l.id, site: r.site, pool: r.pool, status_class: r.status },
            value: r.count,
          })),
        ),
    ),
    new ScrapedMetric(
      'w3pool_listener_rejections_total',
      'Requests the listener refused or dropped itself, by HTTPERR reason (QueueFull, AppOffline, Disabled, ...).',
      'counter',
      () =>
        s().listeners.flatMap((l) =>
          Object.entries(l.rejected).map(([reason, value]) => ({
            labels: { listener: l.id, reason },
            value,
          })),
        ),
    ),
    listenerCounter(
      'w3pool_response_cache_hits_total',
      'Responses the listener served from its response cache (http.sys URI Cache Hits).',
      'uriCacheHits',
      s,
    ),
    listenerCounter(
      'w3pool_response_cache_misses_total',
      'Response cache lookups that found nothing (http.sys URI Cache Misses).',
      'uriCacheMisses',
      s,
    ),
    new ScrapedMetric(
      'w3pool_request_duration_seconds',
      'Time from a request reaching the listener to its answer (W3C time-taken), by application pool.',
      'histogram',
      () =>
        s().listeners.flatMap((l) =>
          Object.entries(l.total).flatMap(([pool, h]) =>
            histogramSamples('w3pool_request_duration_seconds', { listener: l.id, pool }, h),
          ),
        ),
    ),
    new ScrapedMetric(
      'w3pool_request_queue_wait_seconds',
      'Time from a request entering its pool queue to the first message of the worker that took it, by application pool.',
      'histogram',
      () =>
        s().listeners.flatMap((l) =>
          Object.entries(l.queueWait).flatMap(([pool, h]) =>
            histogramSamples('w3pool_request_queue_wait_seconds', { listener: l.id, pool }, h),
          ),
        ),
    ),
  ];
}

function listenerCounter(name: string, help: string, field: string, s: () => RuntimeSnapshot): ScrapedMetric {
  return new ScrapedMetric(name, help, 'counter', () =>
    s().listeners.map((l) => ({ labels: { listener: l.id }, value: l.counters[field] ?? 0 })),
  );
}
