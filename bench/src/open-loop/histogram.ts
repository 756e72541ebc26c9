/** The percentiles of one set of latencies. Every figure is 0 when count is 0 (nothing was recorded). */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

const INITIAL_CAPACITY = 1024;

/**
 * Latencies in milliseconds, kept exactly: a run records at most a few hundred thousand, so a growing
 * Float64Array sorted once when read costs a few MB and no bucket rounding. Percentiles are nearest-rank
 * (the smallest recorded value with at least p % of the values at or below it), so each is a latency a
 * request actually had.
 */
export class LatencyRecorder {
  private values = new Float64Array(INITIAL_CAPACITY);
  private size = 0;
  private sorted = true;

  get count(): number {
    return this.size;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`latency must be finite, got ${ms}`);
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = ms;
    this.sorted = false;
  }

  /** The nearest-rank p-th percentile (0 ≤ p ≤ 100); 0 when nothing was recorded. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
    if (this.size === 0) return 0;
    const values = this.sortedValues();
    // The epsilon keeps float noise (99.9 × 1000 / 100 = 999.0000000000001) from moving up one rank.
    const rank = Math.max(1, Math.ceil((p * this.size) / 100 - 1e-9));
    return values[Math.min(rank, this.size) - 1]!;
  }

  summary(): LatencySummary {
    return {
      count: this.size,
      p50Ms: this.percentile(50),
      p90Ms: this.percentile(90),
      p99Ms: this.percentile(99),
      p999Ms: this.percentile(99.9),
      maxMs: this.percentile(100),
    };
  }

  private sortedValues(): Float64Array {
    const values = this.values.subarray(0, this.size);
    // A typed array sorts numerically, in place, without boxing.
    if (!this.sorted) values.sort();
    this.sorted = true;
    return values;
  }
}
