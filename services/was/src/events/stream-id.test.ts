import { describe, expect, it } from 'vitest';
import { isAfter, isStreamId, toEvent } from './stream-id.js';

describe('stream entry ids', () => {
  it('orders by milliseconds, then sequence, as numbers (not as strings)', () => {
    expect(isAfter('1700000000001-0', '1700000000000-5')).toBe(true);
    expect(isAfter('1700000000000-10', '1700000000000-9')).toBe(true);
    expect(isAfter('1700000000000-9', '1700000000000-9')).toBe(false);
    expect(isAfter('999-0', '1000-0')).toBe(false);
  });

  it('accepts only `<ms>-<seq>` as a Last-Event-ID, nothing XRANGE would read otherwise', () => {
    expect(isStreamId('1700000000000-0')).toBe(true);
    for (const bad of ['$', '-', '+', '0', '1-', '-1', '1-1 ', '1-1\n2-2', '(1-1'])
      expect(isStreamId(bad), bad).toBe(false);
  });

  it("turns XRANGE's flat field list into an object", () => {
    expect(toEvent(['1-0', ['kind', 'Recycle', 'pid', '42']])).toEqual({
      id: '1-0',
      fields: { kind: 'Recycle', pid: '42' },
    });
  });
});
