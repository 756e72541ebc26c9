import { describe, expect, it } from 'vitest';
import { MIN_RATE, Pace, UNLIMITED, paceFor } from './pace.js';

describe('Pace', () => {
  it('spaces reservations by bytes / rate, shared by every caller', () => {
    const pace = new Pace(1000);
    // A fresh pace has the 100 ms catch-up allowance: the first 500 bytes are due at 9900.
    expect(pace.reserve(500, 10_000)).toBe(0);
    expect(pace.reserve(500, 10_000)).toBe(400);
    expect(pace.reserve(1000, 10_000)).toBe(900); // a second caller queues behind both
  });

  it('lets a late caller catch up by at most 100 ms', () => {
    const pace = new Pace(1000);
    pace.reserve(1000, 0); // next at 1000
    expect(pace.reserve(100, 5000)).toBe(0); // long idle: starts at 4900
    expect(pace.reserve(100, 5000)).toBe(0); // 5000
    expect(pace.reserve(100, 5000)).toBe(100);
  });

  it('is absent when unlimited and at least 1024 B/s otherwise', () => {
    expect(paceFor(UNLIMITED)).toBeUndefined();
    expect(paceFor(10)!.bytesPerSecond).toBe(MIN_RATE);
    const kept = paceFor(2048)!;
    expect(paceFor(2048, kept)).toBe(kept);
    expect(paceFor(4096, kept)).not.toBe(kept);
  });
});
