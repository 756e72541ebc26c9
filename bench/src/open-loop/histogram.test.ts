import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './histogram.js';

function recorderOf(values: number[]): LatencyRecorder {
  const recorder = new LatencyRecorder();
  for (const value of values) recorder.record(value);
  return recorder;
}

describe('LatencyRecorder', () => {
  it('reports zeros, and a count of 0, when nothing was recorded', () => {
    expect(new LatencyRecorder().summary()).toEqual({
      count: 0,
      p50Ms: 0,
      p90Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
    });
  });

  it('takes nearest-rank percentiles of 1..1000 exactly, whatever the order recorded', () => {
    // 1..1000 in a fixed shuffle (389 is prime to 1000): the recorder sorts, the caller does not have to.
    const recorder = recorderOf(Array.from({ length: 1000 }, (_, i) => ((i * 389) % 1000) + 1));
    expect(recorder.summary()).toEqual({
      count: 1000,
      p50Ms: 500,
      p90Ms: 900,
      p99Ms: 990,
      p999Ms: 999,
      maxMs: 1000,
    });
    expect(recorder.percentile(0)).toBe(1);
    expect(recorder.percentile(99.99)).toBe(1000);
  });

  it('returns values that were recorded, never interpolations', () => {
    const recorder = recorderOf([10, 20]);
    expect(recorder.percentile(50)).toBe(10);
    expect(recorder.percentile(50.1)).toBe(20);
    expect(recorderOf([7.25]).summary()).toMatchObject({ count: 1, p50Ms: 7.25, maxMs: 7.25 });
  });

  it('shows the tail: 1 % of stalls moves p99.9 and max, not p99', () => {
    const recorder = recorderOf([...Array<number>(990).fill(1), ...Array<number>(10).fill(500)]);
    expect(recorder.summary()).toMatchObject({ p50Ms: 1, p99Ms: 1, p999Ms: 500, maxMs: 500 });
  });

  it('grows past its initial capacity and keeps recording after a read', () => {
    const recorder = new LatencyRecorder();
    for (let i = 100_000; i >= 1; i--) recorder.record(i / 10);
    expect(recorder.count).toBe(100_000);
    expect(recorder.percentile(50)).toBe(5000);
    recorder.record(0.05);
    recorder.record(20_000);
    expect(recorder.count).toBe(100_002);
    expect(recorder.percentile(0)).toBe(0.05);
    expect(recorder.percentile(100)).toBe(20_000);
  });

  it('refuses a latency that is not a number and a percentile out of range', () => {
    expect(() => new LatencyRecorder().record(Number.NaN)).toThrow(RangeError);
    expect(() => recorderOf([1]).percentile(101)).toThrow(RangeError);
    expect(() => recorderOf([1]).percentile(-1)).toThrow(RangeError);
  });
});
