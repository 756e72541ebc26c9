import { describe, expect, it } from 'vitest';
import { negotiate, parseAcceptEncoding, qualityOf } from './accept-encoding.js';

describe('Accept-Encoding negotiation', () => {
  it('reads q-values, case-insensitively, with x-gzip as gzip and malformed q-values dropped', () => {
    const weights = parseAcceptEncoding('GZIP;q=0.5, br, x-gzip;q=0.7, deflate;q=2, identity;q=0');
    expect(Object.fromEntries(weights)).toEqual({ gzip: 0.7, br: 1, identity: 0 });
  });

  it('takes the highest q-value, then the server’s order', () => {
    expect(negotiate('gzip, deflate, br', ['br', 'gzip'])).toBe('br');
    expect(negotiate('gzip, deflate, br', ['gzip', 'br'])).toBe('gzip');
    expect(negotiate('br;q=0.4, gzip;q=0.8', ['br', 'gzip'])).toBe('gzip');
  });

  it('respects q=0 and `*`', () => {
    expect(negotiate('gzip;q=0, br;q=0', ['br', 'gzip'])).toBeUndefined();
    expect(negotiate('*', ['br', 'gzip'])).toBe('br');
    expect(negotiate('*;q=0.1, br;q=0', ['br', 'gzip'])).toBe('gzip');
    expect(negotiate('*;q=0', ['br', 'gzip'])).toBeUndefined();
    expect(qualityOf(parseAcceptEncoding('deflate'), 'gzip')).toBe(0);
  });

  it('sends identity when the client names nothing the server has, or sends no header', () => {
    expect(negotiate('deflate, identity', ['br', 'gzip'])).toBeUndefined();
    expect(negotiate(undefined, ['br', 'gzip'])).toBeUndefined();
    expect(negotiate('', ['br', 'gzip'])).toBeUndefined();
    expect(negotiate('gzip', [])).toBeUndefined();
  });
});
