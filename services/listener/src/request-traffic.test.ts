import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_S, RequestTraffic, statusClass } from './request-traffic.js';

describe('RequestTraffic', () => {
  it('counts requests by site, pool and status class', () => {
    const traffic = new RequestTraffic();
    for (const status of [200, 204, 304, 404, 503, 0])
      traffic.record({ site: 'S', pool: 'P', status, totalMs: 1 });
    traffic.record({ site: '', pool: '', status: 400, totalMs: 1 });
    const { requests } = traffic.snapshot();
    const count = (site: string, status: string) =>
      requests.find((r) => r.site === site && r.status === status)?.count;
    expect(count('S', '2xx')).toBe(2);
    expect(count('S', '3xx')).toBe(1);
    expect(count('S', '4xx')).toBe(1);
    expect(count('S', '5xx')).toBe(1);
    expect(count('S', '0xx')).toBe(1);
    expect(count('', '4xx')).toBe(1);
  });

  it('keeps cumulative histogram buckets per pool, in seconds, with the queue wait only when there was one', () => {
    const traffic = new RequestTraffic();
    traffic.record({ site: 'S', pool: 'P', status: 200, totalMs: 3, queueWaitMs: 1 });
    traffic.record({ site: 'S', pool: 'P', status: 200, totalMs: 300 });
    traffic.record({ site: 'S', pool: 'P', status: 200, totalMs: 500_000, queueWaitMs: 200_000 });
    const { total, queueWait, bucketsSeconds } = traffic.snapshot();
    expect(bucketsSeconds).toEqual(LATENCY_BUCKETS_S);
    const at = (le: number) => LATENCY_BUCKETS_S.indexOf(le);
    expect(total.P!.counts[at(0.005)]).toBe(1);
    expect(total.P!.counts[at(0.5)]).toBe(2);
    expect(total.P!.counts[at(120)]).toBe(2);
    // The last count is +Inf: every observation.
    expect(total.P!.counts[LATENCY_BUCKETS_S.length]).toBe(3);
    expect(total.P!.count).toBe(3);
    expect(total.P!.sumSeconds).toBeCloseTo(500.303);
    expect(queueWait.P!.count).toBe(2);
    expect(queueWait.P!.counts[at(0.005)]).toBe(1);
  });

  it('names status classes as Prometheus users expect', () => {
    expect(statusClass(200)).toBe('2xx');
    expect(statusClass(599)).toBe('5xx');
    expect(statusClass(0)).toBe('0xx');
    expect(statusClass(700)).toBe('0xx');
  });
});
