import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  it('doubles the delay with each death in a row, up to the maximum', () => {
    const backoff = new RestartBackoff({ baseMs: 100, maxMs: 1000, stableMs: 5000 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next(10))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts again from the base once the service stayed up for stableMs', () => {
    const backoff = new RestartBackoff({ baseMs: 100, maxMs: 1000, stableMs: 5000 });
    backoff.next(10);
    backoff.next(10);
    expect(backoff.next(5000)).toBe(100);
    expect(backoff.next(10)).toBe(200);
  });
});
