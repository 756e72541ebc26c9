import { describe, expect, it } from 'vitest';
import { dueAtMs, dueBy, isMeasured, planSchedule, requestsIn } from './schedule.js';

describe('requestsIn', () => {
  it('counts the requests due before the end: i / rate < seconds', () => {
    expect(requestsIn(400, 2)).toBe(800);
    expect(requestsIn(3, 1.5)).toBe(5); // due at 0, 1/3, 2/3, 1, 4/3
    expect(requestsIn(0.5, 3)).toBe(2); // due at 0 and 2
  });

  it('does not let float noise add a request', () => {
    expect(100 * 1.1).not.toBe(110);
    expect(requestsIn(100, 1.1)).toBe(110);
    expect(requestsIn(1.1, 100)).toBe(110);
  });

  it('is 0 for an empty window', () => {
    expect(requestsIn(400, 0)).toBe(0);
    expect(requestsIn(0, 2)).toBe(0);
  });
});

describe('planSchedule', () => {
  it('puts the warm-up first on one schedule, the measured window after it', () => {
    const schedule = planSchedule({ startMs: 100, rate: 10, durationSeconds: 2, warmupSeconds: 1 });
    expect(schedule).toEqual({ startMs: 100, rate: 10, warmup: 10, total: 30 });
    expect(isMeasured(schedule, 9)).toBe(false);
    expect(isMeasured(schedule, 10)).toBe(true);
    expect(isMeasured(schedule, 29)).toBe(true);
    expect(isMeasured(schedule, 30)).toBe(false);
    // The measured window starts exactly where the warm-up ends.
    expect(dueAtMs(schedule, schedule.warmup)).toBe(1100);
  });

  it('measures from request 0 without a warm-up', () => {
    expect(planSchedule({ startMs: 0, rate: 400, durationSeconds: 2 })).toMatchObject({
      warmup: 0,
      total: 800,
    });
  });

  it('refuses a rate or a duration that is not positive', () => {
    expect(() => planSchedule({ startMs: 0, rate: 0, durationSeconds: 1 })).toThrow(RangeError);
    expect(() => planSchedule({ startMs: 0, rate: Number.POSITIVE_INFINITY, durationSeconds: 1 })).toThrow(
      RangeError,
    );
    expect(() => planSchedule({ startMs: 0, rate: 10, durationSeconds: 0 })).toThrow(RangeError);
  });
});

describe('dueAtMs and dueBy', () => {
  const schedule = planSchedule({ startMs: 1000, rate: 400, durationSeconds: 2 });

  it('spaces requests 1 / rate apart from the start', () => {
    expect(dueAtMs(schedule, 0)).toBe(1000);
    expect(dueAtMs(schedule, 1)).toBe(1002.5);
    expect(dueAtMs(schedule, 799)).toBe(2997.5);
  });

  it('counts what is due by a moment, a due time itself included', () => {
    expect(dueBy(schedule, 999.9)).toBe(0);
    expect(dueBy(schedule, 1000)).toBe(1);
    expect(dueBy(schedule, 1002.4)).toBe(1);
    expect(dueBy(schedule, 1002.5)).toBe(2);
    // A late tick sees everything that fell due meanwhile, so the loop catches up instead of dropping.
    expect(dueBy(schedule, 1100)).toBe(41);
  });

  it('never counts past the end of the schedule', () => {
    expect(dueBy(schedule, 2997.5)).toBe(800);
    expect(dueBy(schedule, 1e9)).toBe(800);
  });

  it('agrees with dueAtMs at every due time, whatever the rounding of the rate', () => {
    const odd = planSchedule({ startMs: 0.1, rate: 3000 / 7, durationSeconds: 1 });
    for (let i = 0; i < odd.total; i++) {
      expect(dueBy(odd, dueAtMs(odd, i))).toBe(i + 1);
      expect(dueBy(odd, dueAtMs(odd, i) - 1e-6)).toBe(i);
    }
  });
});
