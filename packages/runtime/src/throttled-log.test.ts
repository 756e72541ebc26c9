import { describe, expect, it } from 'vitest';
import { ThrottledLog } from './throttled-log.js';

describe('ThrottledLog', () => {
  it('logs one line per kind per interval, then says how many it held back', () => {
    const lines: [object, string][] = [];
    const log = new ThrottledLog({ warn: (fields, message) => lines.push([fields, message]) }, 1000);
    for (let i = 0; i < 5; i += 1) log.warn('full', { pool: 'A' }, 'queue full', 10_000 + i);
    log.warn('timeout', {}, 'expired', 10_001);
    log.warn('full', { pool: 'A' }, 'queue full', 11_000);
    expect(lines).toEqual([
      [{ pool: 'A' }, 'queue full'],
      [{}, 'expired'],
      [{ pool: 'A', alsoSinceLastLine: 4 }, 'queue full'],
    ]);
  });
});
