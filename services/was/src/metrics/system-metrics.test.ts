import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { listenerFigures, type RuntimeSnapshot } from './runtime-snapshot.js';
import { ScrapedMetric } from './scraped-metric.js';
import { systemMetrics } from './system-metrics.js';

/** A listener's presence hash as RuntimeControl.listeners() returns it (numbers parsed, rejected parsed). */
const presence = {
  id: 'web1-42-abc',
  pid: 42,
  requests: 9,
  uriCacheHits: 3,
  uriCacheMisses: 4,
  rejected: { QueueFull: 2, Hostname: 1 },
  endpoints: ['127.0.0.1:8080'],
  traffic: JSON.stringify({
    bucketsSeconds: [0.1, 1],
    requests: [
      { site: 'Default Web Site', pool: 'DefaultAppPool', status: '2xx', count: 6 },
      { site: 'Default Web Site', pool: 'DefaultAppPool', status: '5xx', count: 2 },
      { site: '', pool: '', status: '4xx', count: 1 },
    ],
    queueWait: { DefaultAppPool: { counts: [5, 6, 6], sumSeconds: 0.25, count: 6 } },
    total: { DefaultAppPool: { counts: [4, 7, 8], sumSeconds: 3.5, count: 8 } },
  }),
};

function snapshot(): RuntimeSnapshot {
  return {
    pools: [
      {
        name: 'DefaultAppPool',
        state: 'Started',
        queueLength: 1000,
        CurrentQueueSize: 3,
        MaxQueueItemAge: 1500,
        ArrivalRate: 2.4,
        RejectedRequests: 2,
        AbandonedRequests: { skipped: 5, aborted: 2, expired: 0 },
        consumers: 1,
        requestsInFlight: 1,
      },
      {
        name: 'Reports',
        state: 'Stopped',
        reason: 'RapidFail',
        queueLength: 10,
        CurrentQueueSize: 0,
        MaxQueueItemAge: 0,
        ArrivalRate: 0,
        RejectedRequests: 0,
        AbandonedRequests: { skipped: 0, aborted: 0, expired: 0 },
        consumers: 0,
        requestsInFlight: 0,
      },
    ],
    listeners: [listenerFigures(presence)],
    workers: [
      { pool: 'DefaultAppPool', state: 'Running' },
      { pool: 'DefaultAppPool', state: 'Running' },
      { pool: 'DefaultAppPool', state: 'Stopping' },
    ],
    events: {
      'DefaultAppPool\tRecycle\tTime': 2,
      'DefaultAppPool\tRecycle\tOnDemand': 1,
      'DefaultAppPool\tCrash\tCrash': 3,
      'DefaultAppPool\tPingFailure\tPingFailure': 1,
      'Reports\tRapidFail\tRapidFail': 1,
    },
    jobs: [
      {
        pool: 'DefaultAppPool',
        applications: [
          {
            siteId: 1,
            site: 'Default Web Site',
            path: '/app',
            queue: 'q',
            counts: { waiting: 4, active: 1, completed: 10, failed: 2, delayed: 0 },
            failed: [],
          },
        ],
      },
    ],
  };
}

async function render(value: RuntimeSnapshot): Promise<string> {
  const registry = new Registry();
  for (const metric of systemMetrics(() => value)) ScrapedMetric.register(registry, metric);
  return registry.metrics();
}

/** The value of the one line that starts with `series` exactly (name and labels as rendered). */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the w3pool_* collectors', () => {
  it("show each listener's requests by site, pool and status class, its rejections and cache counters", async () => {
    const text = await render(snapshot());
    const l = 'listener="web1-42-abc"';
    expect(
      valueOf(
        text,
        `w3pool_requests_total{${l},site="Default Web Site",pool="DefaultAppPool",status_class="2xx"}`,
      ),
    ).toBe(6);
    expect(valueOf(text, `w3pool_requests_total{${l},site="",pool="",status_class="4xx"}`)).toBe(1);
    expect(valueOf(text, `w3pool_listener_rejections_total{${l},reason="QueueFull"}`)).toBe(2);
    expect(valueOf(text, `w3pool_response_cache_hits_total{${l}}`)).toBe(3);
    expect(valueOf(text, `w3pool_response_cache_misses_total{${l}}`)).toBe(4);
    expect(valueOf(text, 'w3pool_listeners')).toBe(1);
    expect(text).toContain('# TYPE w3pool_requests_total counter');
  });

  it("turn a listener's cumulative buckets into a Prometheus histogram", async () => {
    const text = await render(snapshot());
    const p = 'listener="web1-42-abc",pool="DefaultAppPool"';
    expect(text).toContain('# TYPE w3pool_request_duration_seconds histogram');
    expect(valueOf(text, `w3pool_request_duration_seconds_bucket{${p},le="0.1"}`)).toBe(4);
    expect(valueOf(text, `w3pool_request_duration_seconds_bucket{${p},le="1"}`)).toBe(7);
    expect(valueOf(text, `w3pool_request_duration_seconds_bucket{${p},le="+Inf"}`)).toBe(8);
    expect(valueOf(text, `w3pool_request_duration_seconds_sum{${p}}`)).toBe(3.5);
    expect(valueOf(text, `w3pool_request_duration_seconds_count{${p}}`)).toBe(8);
    expect(valueOf(text, `w3pool_request_queue_wait_seconds_count{${p}}`)).toBe(6);
  });

  it("show the pool queues under IIS's counter names, in base units, and each pool's state", async () => {
    const text = await render(snapshot());
    expect(valueOf(text, 'w3pool_pool_queue_requests{pool="DefaultAppPool"}')).toBe(3);
    expect(valueOf(text, 'w3pool_pool_queue_max_item_age_seconds{pool="DefaultAppPool"}')).toBe(1.5);
    expect(valueOf(text, 'w3pool_pool_queue_arrival_rate_per_second{pool="DefaultAppPool"}')).toBe(2.4);
    expect(valueOf(text, 'w3pool_pool_queue_rejected_requests_total{pool="DefaultAppPool"}')).toBe(2);
    expect(
      valueOf(text, 'w3pool_pool_queue_abandoned_requests_total{pool="DefaultAppPool",outcome="skipped"}'),
    ).toBe(5);
    expect(valueOf(text, 'w3pool_pool_started{pool="DefaultAppPool",reason=""}')).toBe(1);
    expect(valueOf(text, 'w3pool_pool_started{pool="Reports",reason="RapidFail"}')).toBe(0);
  });

  it('count workers by state, and recycles, failures and rapid-fail stops from the event counts', async () => {
    const text = await render(snapshot());
    expect(valueOf(text, 'w3pool_worker_processes{pool="DefaultAppPool",state="Running"}')).toBe(2);
    expect(valueOf(text, 'w3pool_worker_processes{pool="DefaultAppPool",state="Stopping"}')).toBe(1);
    expect(valueOf(text, 'w3pool_worker_recycles_total{pool="DefaultAppPool",reason="Time"}')).toBe(2);
    expect(valueOf(text, 'w3pool_worker_recycles_total{pool="DefaultAppPool",reason="OnDemand"}')).toBe(1);
    expect(valueOf(text, 'w3pool_worker_failures_total{pool="DefaultAppPool",kind="Crash"}')).toBe(3);
    expect(valueOf(text, 'w3pool_worker_failures_total{pool="DefaultAppPool",kind="PingFailure"}')).toBe(1);
    expect(valueOf(text, 'w3pool_rapid_fail_stops_total{pool="Reports"}')).toBe(1);
    const jobs = 'pool="DefaultAppPool",site="Default Web Site",application="/app"';
    expect(valueOf(text, `w3pool_background_jobs{${jobs},state="waiting"}`)).toBe(4);
    expect(valueOf(text, `w3pool_background_jobs{${jobs},state="failed"}`)).toBe(2);
  });

  it("read each scrape's own snapshot, and a listener without a traffic report as no breakdown", async () => {
    let current = snapshot();
    const registry = new Registry();
    for (const metric of systemMetrics(() => current)) ScrapedMetric.register(registry, metric);
    expect(valueOf(await registry.metrics(), 'w3pool_pool_queue_requests{pool="DefaultAppPool"}')).toBe(3);
    const old = listenerFigures({ ...presence, traffic: undefined });
    current = { ...snapshot(), pools: [{ ...snapshot().pools[0]!, CurrentQueueSize: 0 }], listeners: [old] };
    const text = await registry.metrics();
    expect(valueOf(text, 'w3pool_pool_queue_requests{pool="DefaultAppPool"}')).toBe(0);
    expect(text).not.toContain('w3pool_requests_total{');
    expect(valueOf(text, 'w3pool_listener_rejections_total{listener="web1-42-abc",reason="Hostname"}')).toBe(
      1,
    );
  });
});
