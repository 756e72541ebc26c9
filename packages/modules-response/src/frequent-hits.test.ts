import { describe, expect, it } from 'vitest';
import { FrequentHits } from './frequent-hits.js';

describe('frequentHitThreshold within frequentHitTimePeriod', () => {
  it('calls a URL frequent from the threshold-th hit within the period', () => {
    const hits = new FrequentHits(3, 10_000);
    expect([hits.hit('/a', 0), hits.hit('/a', 100), hits.hit('/a', 200), hits.hit('/a', 300)]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(hits.hit('/b', 300)).toBe(false);
  });

  it('starts counting again once the period since the first hit has passed', () => {
    const hits = new FrequentHits(2, 10_000);
    expect(hits.hit('/a', 0)).toBe(false);
    expect(hits.hit('/a', 10_001)).toBe(false);
    expect(hits.hit('/a', 10_002)).toBe(true);
  });

  it('treats a threshold of 1 as frequent at once', () => {
    expect(new FrequentHits(1, 10_000).hit('/a', 0)).toBe(true);
  });
});
