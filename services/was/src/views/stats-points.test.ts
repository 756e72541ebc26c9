import { describe, expect, it } from 'vitest';
import type { W3poolConfig } from '@w3pool/config';
import type { ListenerFigures } from '../metrics/runtime-snapshot.js';
import { poolPoints, sitePoints, trafficTotals } from './stats-points.js';

const config = {
  applicationPools: [{ name: 'A' }, { name: 'B' }],
  sites: [{ name: 'Web', id: 1 }],
} as unknown as W3poolConfig;

const listener = (requests: ListenerFigures['requests']): ListenerFigures => ({
  id: 'l',
  counters: {},
  rejected: {},
  requests,
  queueWait: {},
  total: {},
});

describe('the live figures', () => {
  it("sums every listener's answered requests per pool and per site id by status class", () => {
    const totals = trafficTotals(config, [
      listener([
        { site: 'Web', pool: 'A', status: '2xx', count: 5 },
        { site: 'Web', pool: 'A', status: '5xx', count: 1 },
      ]),
      listener([
        { site: 'Web', pool: 'B', status: '2xx', count: 2 },
        { site: '', pool: '', status: '4xx', count: 9 },
      ]),
    ]);
    expect(totals).toEqual({ pools: { A: 6, B: 2 }, sites: { '1': { '2xx': 7, '5xx': 1 } } });
  });

  it('turns two samples into rates per second; a counter that went down gives 0, not a negative rate', () => {
    const pool = (name: string, CurrentQueueSize: number, RejectedRequests: number) => ({
      name,
      CurrentQueueSize,
      RejectedRequests,
    });
    const before = {
      at: 10_000,
      apppools: [pool('A', 0, 4), pool('B', 0, 10)],
      totals: { pools: { A: 100, B: 50 }, sites: { '1': { '2xx': 150 } } },
    };
    const after = {
      at: 12_000,
      apppools: [pool('A', 3, 8), pool('B', 1, 2)],
      totals: { pools: { A: 130, B: 40 }, sites: { '1': { '2xx': 170, '5xx': 4 } } },
    };
    expect(poolPoints(before, after)).toEqual({
      A: { at: 12_000, queue: 3, requestsPerSec: 15, rejectionsPerSec: 2 },
      B: { at: 12_000, queue: 1, requestsPerSec: 0, rejectionsPerSec: 0 },
    });
    // 5xx was first seen now on a known site: it grew from 0.
    expect(sitePoints(before, after)).toEqual({ '1': { at: 12_000, rates: { '2xx': 10, '5xx': 2 } } });
  });
});
