/**
 * Upper bounds (seconds) of the latency histograms' buckets: the Prometheus client defaults, stretched to
 * two minutes, IIS's default queue and connection timeouts. Fixed, so that every listener's buckets add up.
 */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** A cumulative histogram: `counts[i]` requests took at most LATENCY_BUCKETS_S[i]; the last is +Inf. */
export interface LatencyHistogram {
  counts: number[];
  sumSeconds: number;
  count: number;
}

/** One answered request, as the metrics count it. */
export interface TrafficSample {
  /** The site's name, the pool's name; '' when the request never reached a site (no binding, bad request). */
  site: string;
  pool: string;
  status: number;
  totalMs: number;
  /** From entering the pool queue to a worker taking it; undefined when it never was queued or taken. */
  queueWaitMs?: number;
}

/**
 * Requests by site, pool and status class, and the queue-wait and total-time histograms of each pool,
 * counted in memory on the request path (a few additions, no I/O) since the listener started. The presence
 * report carries the whole snapshot to Redis every 2 s, so a lost report loses nothing and WAS reads the
 * figures at scrape time without the request path writing to Redis.
 */
export class RequestTraffic {
  /** "site\tpool\tclass" → requests. */
  private readonly requests = new Map<string, number>();
  private readonly queueWait = new Map<string, LatencyHistogram>();
  private readonly total = new Map<string, LatencyHistogram>();

  record(sample: TrafficSample): void {
    const key = `${sample.site}\t${sample.pool}\t${statusClass(sample.status)}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    observe(this.total, sample.pool, sample.totalMs);
    if (sample.queueWaitMs !== undefined) observe(this.queueWait, sample.pool, sample.queueWaitMs);
  }

  /** The JSON the presence hash carries in its `traffic` field (read by WAS's metrics collectors). */
  snapshot(): TrafficSnapshot {
    return {
      bucketsSeconds: LATENCY_BUCKETS_S,
      requests: [...this.requests].map(([key, count]) => {
        const [site = '', pool = '', status = ''] = key.split('\t');
        return { site, pool, status, count };
      }),
      queueWait: Object.fromEntries(this.queueWait),
      total: Object.fromEntries(this.total),
    };
  }
}

export interface TrafficSnapshot {
  /** The histograms' upper bounds, so that a reader needs no copy of them. */
  bucketsSeconds: number[];
  requests: { site: string; pool: string; status: string; count: number }[];
  /** By pool name. */
  queueWait: Record<string, LatencyHistogram>;
  total: Record<string, LatencyHistogram>;
}

/** 1xx … 5xx; a status outside 100–599 (none sent: a dropped connection) is '0xx'. */
export function statusClass(status: number): string {
  const first = Math.floor(status / 100);
  return first >= 1 && first <= 5 ? `${first}xx` : '0xx';
}

function observe(histograms: Map<string, LatencyHistogram>, pool: string, ms: number): void {
  let histogram = histograms.get(pool);
  if (!histogram) {
    histogram = { counts: new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0), sumSeconds: 0, count: 0 };
    histograms.set(pool, histogram);
  }
  const seconds = Math.max(0, ms) / 1000;
  // Cumulative buckets: every bound at or above the value counts it, as Prometheus's `le` does.
  for (let i = 0; i < LATENCY_BUCKETS_S.length; i += 1) {
    if (seconds <= LATENCY_BUCKETS_S[i]!) histogram.counts[i]! += 1;
  }
  histogram.counts[LATENCY_BUCKETS_S.length]! += 1;
  histogram.sumSeconds += seconds;
  histogram.count += 1;
}
